"""A PEP 517 build backend with no dependencies, for the pure-Python claimgate package.

It writes a wheel (a zip with the package and its .dist-info) from the files under claimgate/
and the [project] table of pyproject.toml, so that `pip install ./bindings/python` needs no
network: pip's isolated build environment has nothing to install (requires = []).
"""
import base64
import hashlib
import os
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11: the few keys needed, read by hand
    tomllib = None

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    path = os.path.join(HERE, "pyproject.toml")
    if tomllib is not None:
        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    project, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "project" and "=" in line and not line.startswith("#"):
                key, value = (p.strip() for p in line.split("=", 1))
                if value.startswith('"'):
                    project[key] = value.strip('"')
    return project


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
        "Summary: " + project.get("description", ""),
    ]
    if "requires-python" in project:
        lines.append("Requires-Python: " + project["requires-python"])
    return "\n".join(lines) + "\n"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    name, version = project["name"], project["version"]
    dist_info = "%s-%s.dist-info" % (name, version)
    files = []
    package_dir = os.path.join(HERE, name)
    for root, _, names in sorted(os.walk(package_dir)):
        if "__pycache__" in root:
            continue
        for n in sorted(names):
            if n.endswith((".py", ".typed")):
                full = os.path.join(root, n)
                with open(full, "rb") as f:
                    files.append((os.path.relpath(full, HERE).replace(os.sep, "/"), f.read()))
    files.append((dist_info + "/METADATA", _metadata(project).encode()))
    files.append((dist_info + "/WHEEL",
                  b"Wheel-Version: 1.0\nGenerator: claimgate_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    record = [_record_line(n, d) for n, d in files] + [dist_info + "/RECORD,,"]
    files.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode()))
    wheel_name = "%s-%s-py3-none-any.whl" % (name, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            info = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, d, zipfile.ZIP_DEFLATED)
    return wheel_name
