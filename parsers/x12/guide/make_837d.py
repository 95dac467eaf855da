#!/usr/bin/env python3
"""Writes data/837.5010.X224.A2.xml, the 837D (005010X224A2) guide model, in the format of
pyx12's maps (data/837.5010.X222.A1.xml), which guide_compile.cpp reads.

pyx12 has no 005010 dental map. The 837 transaction set is one X12 standard: the three guides
use the same segments at the same positions (CLM 1300, DTP 1350, NM1 2500 ...), and most loops
of the dental guide are loops of the professional guide with the same segments. So each place
below is either a copy of a place of the 837P map (same loop, same qualifier), with the
differences the dental guide makes (usage, maximum use, code lists), or written here from the
dental guide (CLM, DTP qualifiers, DN1, DN2, HI, SV3, TOO, the 2310/2330/2420 provider loops).
PROVENANCE.md (data/) lists the facts and what is knowingly approximate.

Rerun after a change here:  python3 parsers/x12/guide/make_837d.py
"""
import copy
import os
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
P = ET.parse(os.path.join(HERE, 'data', '837.5010.X222.A1.xml')).getroot()


# --- the 837P map: its loops (first occurrence) and places ---

def p_loop(xid):
    for l in P.iter('loop'):
        if l.get('xid') == xid:
            return l
    raise KeyError(xid)


def codes_of(el):
    vc = el.find('valid_codes')
    return [] if vc is None else [c.text for c in vc.findall('code')]


def p_place(loop, seg, **keys):
    """A copy of the place of segment seg in 837P loop whose elements hold the given codes
    (DTP01='472'): p_place('2300', 'REF', REF01='F8')."""
    for s in p_loop(loop).findall('segment'):
        if s.get('xid') != seg:
            continue
        if all(v in codes_of(element(s, k)) for k, v in keys.items()):
            return copy.deepcopy(s)
    raise KeyError(f'{loop} {seg} {keys}')


def p_loop_copy(xid):
    """The 837P loop without its child loops."""
    l = copy.deepcopy(p_loop(xid))
    for c in l.findall('loop'):
        l.remove(c)
    return l


def element(seg, xid):
    for e in seg.iter():
        if e.tag in ('element', 'composite') and e.get('xid') == xid:
            return e
    raise KeyError(f'{seg.get("xid")} {xid}')


# --- changes ---

def text(node, tag, value):
    n = node.find(tag)
    if n is None:
        n = ET.SubElement(node, tag)
    n.text = value


def place(seg, usage=None, max_use=None, name=None):
    if usage:
        text(seg, 'usage', usage)
    if max_use:
        text(seg, 'max_use', str(max_use))
    if name:
        text(seg, 'name', name)
    return seg


def set_codes(seg, xid, codes, usage=None):
    e = element(seg, xid)
    vc = e.find('valid_codes')
    if vc is not None:
        e.remove(vc)
    if codes is not None:
        vc = ET.SubElement(e, 'valid_codes')
        for c in codes:
            ET.SubElement(vc, 'code').text = c
    if usage:
        text(e, 'usage', usage)
    return seg


def set_usage(seg, xid, usage):
    text(element(seg, xid), 'usage', usage)
    return seg


def remove(seg_or_loop, tag, xid, **keys):
    for s in seg_or_loop.findall(tag):
        if s.get('xid') == xid and all(v in codes_of(element(s, k)) for k, v in keys.items()):
            seg_or_loop.remove(s)
            return
    raise KeyError(xid)


# --- segments written from the dental guide ---

def el(xid, de, name, usage, seq, codes=None):
    e = ET.Element('element', xid=xid)
    for tag, v in (('data_ele', de), ('name', name), ('usage', usage), ('seq', seq)):
        ET.SubElement(e, tag).text = v
    if codes:
        vc = ET.SubElement(e, 'valid_codes')
        for c in codes:
            ET.SubElement(vc, 'code').text = c
    return e


def comp(xid, de, name, usage, seq, parts):
    c = ET.Element('composite', xid=xid)
    for tag, v in (('data_ele', de), ('name', name), ('usage', usage), ('seq', seq)):
        ET.SubElement(c, tag).text = v
    for p in parts:
        c.append(p)
    return c


def seg(xid, name, usage, pos, max_use, children, syntax=()):
    s = ET.Element('segment', xid=xid)
    for tag, v in (('name', name), ('usage', usage), ('pos', pos), ('max_use', str(max_use))):
        ET.SubElement(s, tag).text = v
    for n in syntax:
        ET.SubElement(s, 'syntax').text = n
    for c in children:
        s.append(c)
    return s


def dtp(loop_pos, qualifier, name, usage='S', max_use=1, formats=('D8',)):
    return seg('DTP', name, usage, loop_pos, max_use, [
        el('DTP01', '374', 'Date Time Qualifier', 'R', '01', [qualifier]),
        el('DTP02', '1250', 'Date Time Period Format Qualifier', 'R', '02', list(formats)),
        el('DTP03', '1251', 'Date Time Period', 'R', '03'),
    ])


def loop(xid, name, usage, pos, repeat, children):
    l = ET.Element('loop', xid=xid)
    for tag, v in (('name', name), ('usage', usage), ('pos', pos), ('repeat', str(repeat))):
        ET.SubElement(l, tag).text = v
    for c in children:
        l.append(c)
    return l


def with_children(l, children):
    for c in children:
        l.append(c)
    return l


def nm1_copy(loop_id, entity, **changes):
    """The first segment (NM1) of an 837P loop with its entity identifier codes replaced."""
    s = p_loop_copy(loop_id).find('segment')
    set_codes(s, 'NM101', entity)
    if 'entity_type' in changes:
        set_codes(s, 'NM102', changes['entity_type'])
    if 'name' in changes:
        text(s, 'name', changes['name'])
    return s


def provider_loop(xid, name, repeat, pos, from_loop, entity, prv=None, ref_from=None, extra=()):
    """A provider loop (NM1, [PRV], [N3, N4], REF) built from an 837P loop."""
    src = p_loop_copy(from_loop)
    segs = [nm1_copy(from_loop, entity, name=name)]
    if prv is not None:
        segs.append(prv)
    segs += [copy.deepcopy(s) for s in src.findall('segment')[1:] if s.get('xid') in ('N3', 'N4')]
    refs = [copy.deepcopy(s) for s in (ref_from if ref_from is not None else src).findall('segment')
            if s.get('xid') == 'REF']
    segs += refs
    segs += list(extra)
    return loop(xid, name, 'S', pos, repeat, segs)


def prv(pos, codes, usage='S', name='Provider Specialty Information'):
    s = p_place('2310B', 'PRV')
    text(s, 'pos', pos)
    set_codes(s, 'PRV01', codes)
    return place(s, usage=usage, name=name)


# --- the dental guide ---

def claim_2300():
    clm = p_place('2300', 'CLM')
    # Dental: CLM05-2 B (facility code qualifier: place of service), CLM07 A/B/C as 837P; CLM10
    # (patient signature source) not used; CLM12 special program 01/02/03/05/09 (union of the
    # professional list and the dental one); CLM19 claim submission reason PB (predetermination
    # of dental benefits), situational.
    set_usage(clm, 'CLM10', 'N')
    set_codes(clm, 'CLM10', None)
    set_codes(clm, 'CLM12', ['01', '02', '03', '05', '09'])
    set_codes(clm, 'CLM19', ['PB'], usage='S')
    segs = [clm,
            dtp('1350', '439', 'Date - Accident'),
            dtp('1350', '452', 'Date - Appliance Placement', max_use=5),
            dtp('1350', '472', 'Date - Service', formats=('D8', 'RD8')),
            dtp('1350', '050', 'Date - Repricer Received Date'),
            seg('DN1', 'Orthodontic Total Months of Treatment', 'S', '1450', 1, [
                el('DN101', '380', 'Quantity', 'S', '01'),
                el('DN102', '380', 'Quantity', 'S', '02'),
                el('DN103', '1073', 'Yes/No Condition or Response Code', 'S', '03', ['Y', 'N']),
                el('DN104', '352', 'Description', 'S', '04'),
            ]),
            seg('DN2', 'Tooth Status', 'S', '1500', 35, [
                el('DN201', '127', 'Reference Identification', 'R', '01'),
                el('DN202', '1368', 'Tooth Status Code', 'R', '02', ['E', 'M']),
                el('DN203', '380', 'Quantity', 'N', '03'),
                el('DN204', '1250', 'Date Time Period Format Qualifier', 'N', '04'),
                el('DN205', '1251', 'Date Time Period', 'N', '05'),
                el('DN206', '1270', 'Code List Qualifier Code', 'S', '06', ['JP']),
            ], syntax=['P0405']),
            p_place('2300', 'PWK'),
            p_place('2300', 'CN1'),
            set_codes(p_place('2300', 'AMT', AMT01='F5'), 'AMT01', ['F5', 'F3']),
            ]
    g3 = place(p_place('2300', 'REF', REF01='9F'), max_use=5, name='Predetermination Identification')
    set_codes(g3, 'REF01', ['G3'])
    segs.append(g3)
    for q in ('4N', 'F8', '9F', 'G1', '9A', '9C', 'D9', 'P4'):
        segs.append(p_place('2300', 'REF', REF01=q))
    segs.append(p_place('2300', 'K3'))
    nte = place(p_place('2300', 'NTE'), max_use=1)
    segs.append(nte)
    # HI: up to four diagnoses, ABK (BK) first, ABF (BF) after; the rest not used.
    hi = seg('HI', 'Health Care Diagnosis Code', 'S', '2310', 1, [])
    for n in range(1, 13):
        q = ['ABK', 'BK'] if n == 1 else ['ABF', 'BF']
        usage = 'R' if n == 1 else 'S' if n <= 4 else 'N'
        parts = [el(f'HI{n:02}-01', '1270', 'Code List Qualifier Code', 'R', '01', q),
                 el(f'HI{n:02}-02', '1271', 'Industry Code', 'R', '02')]
        parts += [el(f'HI{n:02}-{k:02}', de, nm, 'N', f'{k:02}') for k, de, nm in (
            (3, '1250', 'Date Time Period Format Qualifier'), (4, '1251', 'Date Time Period'),
            (5, '782', 'Monetary Amount'), (6, '380', 'Quantity'), (7, '799', 'Version Identifier'),
            (8, '1271', 'Industry Code'), (9, '1073', 'Yes/No Condition or Response Code'))]
        hi.append(comp(f'HI{n:02}', 'C022', 'Health Care Code Information', usage, f'{n:02}', parts))
    segs.append(hi)
    segs.append(p_place('2300', 'HCP'))

    # 2310A-E, from the dental guide: referring (DN/P3, two), rendering (82), service facility
    # location (77), assistant surgeon (DD), supervising provider (DQ).
    children = [
        provider_loop('2310A', 'Referring Provider Name', 2, '2500', '2310A', ['DN', 'P3'],
                      prv=prv('2550', ['RF'], name='Referring Provider Specialty Information')),
        provider_loop('2310B', 'Rendering Provider Name', 1, '2500', '2310B', ['82'],
                      prv=prv('2550', ['PE'], usage='R', name='Rendering Provider Specialty Information')),
        provider_loop('2310C', 'Service Facility Location Name', 1, '2500', '2310C', ['77']),
        provider_loop('2310D', 'Assistant Surgeon Name', 1, '2500', '2310D', ['DD'],
                      prv=prv('2550', ['AS', 'PE'], name='Assistant Surgeon Specialty Information')),
        provider_loop('2310E', 'Supervising Provider Name', 1, '2500', '2310D', ['DQ']),
    ]

    # 2320 with 2330A-H: the other subscriber and payer as 837P; the other payer's providers in
    # the dental guide's order: referring (C), rendering (D), supervising (E), billing (F),
    # service facility (G), assistant surgeon (H).
    other = p_loop_copy('2320')
    other_children = [with_children(p_loop_copy('2330A'), []), with_children(p_loop_copy('2330B'), [])]
    for xid, src, entity, name, repeat in (
            ('2330C', '2330C', ['DN', 'P3'], 'Other Payer Referring Provider', 2),
            ('2330D', '2330D', ['82'], 'Other Payer Rendering Provider', 1),
            ('2330E', '2330F', ['DQ'], 'Other Payer Supervising Provider', 1),
            ('2330F', '2330G', ['85'], 'Other Payer Billing Provider', 1),
            ('2330G', '2330E', ['77'], 'Other Payer Service Facility Location', 1),
            ('2330H', '2330D', ['DD'], 'Other Payer Assistant Surgeon', 1)):
        l = p_loop_copy(src)
        l.set('xid', xid)
        text(l, 'name', name)
        text(l, 'pos', '3250')
        text(l, 'repeat', str(repeat))
        s = l.find('segment')
        set_codes(s, 'NM101', entity)
        if entity == ['DD']:
            set_codes(s, 'NM102', ['1', '2'])
        other_children.append(l)
    for l in other_children:
        text(l, 'pos', '3250')
    with_children(other, other_children)
    children.append(other)
    children.append(line_2400())
    l = loop('2300', 'Claim Information', 'S', '1300', 100, segs + children)
    return l


# Area of the oral cavity (ADA): entire, maxillary, mandibular, the six sextants, other, the
# four quadrants.
kOralCavity = ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '20', '30', '40']


def line_2400():
    sv3 = seg('SV3', 'Dental Service', 'R', '3800', 1, [
        comp('SV301', 'C003', 'Composite Medical Procedure Identifier', 'R', '01', [
            el('SV301-01', '235', 'Product/Service ID Qualifier', 'R', '01', ['AD']),
            el('SV301-02', '234', 'Product/Service ID', 'R', '02'),
            *[el(f'SV301-{k:02}', '1339', 'Procedure Modifier', 'S', f'{k:02}') for k in range(3, 7)],
            el('SV301-07', '352', 'Description', 'S', '07'),
            el('SV301-08', '234', 'Product/Service ID', 'N', '08'),
        ]),
        el('SV302', '782', 'Monetary Amount', 'R', '02'),
        el('SV303', '1331', 'Facility Code Value', 'S', '03'),
        comp('SV304', 'C006', 'Oral Cavity Designation', 'S', '04', [
            el(f'SV304-{k:02}', '1361', 'Oral Cavity Designation Code', 'R' if k == 1 else 'S', f'{k:02}',
               kOralCavity) for k in range(1, 6)]),
        el('SV305', '1358', 'Prosthesis, Crown or Inlay Code', 'S', '05', ['I', 'R']),
        el('SV306', '380', 'Quantity', 'S', '06'),
        el('SV307', '352', 'Description', 'N', '07'),
        el('SV308', '1327', 'Copay Status Code', 'N', '08'),
        el('SV309', '1360', 'Provider Agreement Code', 'N', '09'),
        el('SV310', '1384', 'Patient Location Code', 'N', '10'),
        comp('SV311', 'C004', 'Composite Diagnosis Code Pointer', 'S', '11', [
            el(f'SV311-{k:02}', '1328', 'Diagnosis Code Pointer', 'R' if k == 1 else 'S', f'{k:02}')
            for k in range(1, 5)]),
    ])  # its X12 syntax notes are not modelled (PROVENANCE.md)
    surfaces = ['B', 'D', 'F', 'I', 'L', 'M', 'O']
    too = seg('TOO', 'Tooth Information', 'S', '3820', 32, [
        el('TOO01', '1270', 'Code List Qualifier Code', 'R', '01', ['JP']),
        el('TOO02', '1271', 'Industry Code', 'R', '02'),
        comp('TOO03', 'C005', 'Tooth Surface', 'S', '03', [
            el(f'TOO03-{k:02}', '1369', 'Tooth Surface Code', 'R' if k == 1 else 'S', f'{k:02}', surfaces)
            for k in range(1, 6)]),
    ])
    segs = [p_place('2400', 'LX'), sv3, too,
            place(p_place('2400', 'DTP', DTP01='472'), usage='S'),
            dtp('4550', '441', 'Date - Prior Placement'),
            dtp('4550', '452', 'Date - Appliance Placement'),
            dtp('4550', '446', 'Date - Replacement'),
            dtp('4550', '196', 'Date - Treatment Start'),
            dtp('4550', '198', 'Date - Treatment Completion'),
            p_place('2400', 'CN1')]
    g3 = place(p_place('2400', 'REF', REF01='G1'), max_use=5, name='Predetermination Identification')
    set_codes(g3, 'REF01', ['G3'])
    segs += [g3, p_place('2400', 'REF', REF01='G1'), p_place('2400', 'REF', REF01='9F'),
             p_place('2400', 'REF', REF01='6R'), p_place('2400', 'REF', REF01='9B'),
             p_place('2400', 'REF', REF01='9D'),
             set_codes(p_place('2400', 'AMT', AMT01='T'), 'AMT01', ['T', 'GT']),
             p_place('2400', 'K3'),
             p_place('2400', 'NTE', NTE01='ADD'),
             set_codes(p_place('2400', 'HCP'), 'HCP09', ['AD'])]  # repriced procedure: an ADA code
    children = [
        provider_loop('2420A', 'Rendering Provider Name', 1, '5000', '2420A', ['82'],
                      prv=prv('5050', ['PE'], name='Rendering Provider Specialty Information')),
        provider_loop('2420B', 'Assistant Surgeon Name', 1, '5000', '2420A', ['DD'],
                      prv=prv('5050', ['AS', 'PE'], name='Assistant Surgeon Specialty Information')),
        provider_loop('2420C', 'Supervising Provider Name', 1, '5000', '2420D', ['DQ']),
        provider_loop('2420D', 'Service Facility Location Name', 1, '5000', '2420C', ['77']),
        adjudication_2430(),
    ]
    return loop('2400', 'Service Line Number', 'R', '3650', 50, segs + children)


def adjudication_2430():
    # As 837P, with the adjudicated procedure an ADA (CDT) code: SVD03-1 AD.
    l = p_loop_copy('2430')
    set_codes(l.find("segment[@xid='SVD']"), 'SVD03-01', ['AD'])
    return l


def build():
    root = copy.deepcopy(P)
    text(root, 'name', 'HIPAA Health Care Claim: Dental X224A2-837 (claimgate, from the 837P map and the X224A2 guide)')
    st = next(l for l in root.iter('loop') if l.get('xid') == 'ST_LOOP')
    detail = next(l for l in st.findall('loop') if l.get('xid') == 'DETAIL')
    # HEADER, 1000A, 1000B: as 837P. 2000A with 2010AA/AB/AC: as 837P.
    a = next(l for l in detail.findall('loop') if l.get('xid') == '2000A')
    b = next(l for l in a.findall('loop') if l.get('xid') == '2000B')
    a.remove(b)
    # 2000B: HL, SBR (no PAT in the dental guide); 2010BA without PER; 2010BB as 837P.
    nb = p_loop_copy('2000B')
    remove(nb, 'segment', 'PAT')
    ba = p_loop_copy('2010BA')
    remove(ba, 'segment', 'PER')
    bb = p_loop_copy('2010BB')
    # 2000C: HL, PAT (PAT01 only); 2010CA: NM1, N3, N4, DMG, REF*Y4.
    nc = p_loop_copy('2000C')
    pat = nc.find("segment[@xid='PAT']")
    for k in ('PAT05', 'PAT06', 'PAT07', 'PAT08', 'PAT09'):
        set_usage(pat, k, 'N')
        set_codes(pat, k, None)
    for s in pat.findall('syntax'):
        pat.remove(s)
    ca = p_loop_copy('2010CA')
    remove(ca, 'segment', 'PER')
    remove(ca, 'segment', 'REF', REF01='SY')
    with_children(nc, [ca, claim_2300()])
    with_children(nb, [ba, bb, claim_2300(), nc])
    a.append(nb)
    return root


def main():
    root = build()
    ET.indent(root, space='  ')
    out = os.path.join(HERE, 'data', '837.5010.X224.A2.xml')
    with open(out, 'w') as f:
        f.write('<?xml version="1.0"?>\n')
        f.write('<!--\n  005010X224A2 (837 dental) guide model for claimgate, written by parsers/x12/guide/make_837d.py\n'
                '  from the 837P map of pyx12 (BSD-3-Clause, Copyright (c) John Holland; LICENSE-pyx12.txt)\n'
                '  and the structure of the X224A2 guide. See PROVENANCE.md. Do not edit: rerun the script.\n-->\n')
        f.write(ET.tostring(root, encoding='unicode'))
        f.write('\n')


if __name__ == '__main__':
    main()
