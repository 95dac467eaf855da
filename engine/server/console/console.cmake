# The operations console's page, script and stylesheet, compiled into cg_engine (no files to
# install, nothing to build in a browser toolchain): console_assets.cpp defines
# cg::engine::console_files::kHtml, kJs, kCss, kIcon (engine/server/console.cpp serves them).
set(_cg_console_dir ${CMAKE_CURRENT_LIST_DIR})
set(_cg_console_out ${CMAKE_BINARY_DIR}/generated/console_assets.cpp)
add_custom_command(OUTPUT ${_cg_console_out}
  COMMAND ${CMAKE_COMMAND} -DDIR=${_cg_console_dir} -DOUT=${_cg_console_out} -P ${_cg_console_dir}/embed.cmake
  DEPENDS ${_cg_console_dir}/console.html ${_cg_console_dir}/console.js ${_cg_console_dir}/console.css ${_cg_console_dir}/console.svg
          ${_cg_console_dir}/embed.cmake
  COMMENT "Embedding the operations console"
  VERBATIM)
target_sources(cg_engine PRIVATE ${_cg_console_out})
