# ctnn's one dependency, Boost.MP11 (headers only), for the ctnn target of a source build
# (add_subdirectory) and of an installed package (find_package(ctnn CONFIG)).
#
# A native build links Boost::headers. A cross build must not put the host's /usr/include on the cross
# compiler's path, where glibc's headers would shadow newlib's (or the target's own libc): it gets a
# folder of its own holding only a `boost` link to the host's Boost. Set CTNN_BOOST_INCLUDE_DIR to the
# folder that contains boost/mp11.hpp if it is not found.
include_guard(GLOBAL)

function(ctnn_use_mp11 target)
  if(NOT CMAKE_CROSSCOMPILING)
    find_package(Boost 1.74 REQUIRED)
    target_link_libraries(${target} INTERFACE $<BUILD_INTERFACE:Boost::headers>)
    return()
  endif()
  # The target's own sysroot first, then the host's usual places.
  find_path(CTNN_BOOST_INCLUDE_DIR boost/mp11.hpp DOC "the folder that contains boost/mp11.hpp")
  if(NOT CTNN_BOOST_INCLUDE_DIR)
    unset(CTNN_BOOST_INCLUDE_DIR CACHE)
    find_path(CTNN_BOOST_INCLUDE_DIR boost/mp11.hpp PATHS /usr/local/include /usr/include NO_CMAKE_FIND_ROOT_PATH
              DOC "the folder that contains boost/mp11.hpp")
  endif()
  if(NOT CTNN_BOOST_INCLUDE_DIR)
    message(FATAL_ERROR "ctnn: Boost.MP11 not found (boost/mp11.hpp). Install Boost 1.74 or later "
                        "(Debian: libboost-dev) or set CTNN_BOOST_INCLUDE_DIR to the folder that contains boost/.")
  endif()
  file(STRINGS ${CTNN_BOOST_INCLUDE_DIR}/boost/version.hpp version_line REGEX "^#define BOOST_VERSION [0-9]+")
  string(REGEX REPLACE "^#define BOOST_VERSION ([0-9]+).*" "\\1" version "${version_line}")
  if(version AND version LESS 107400)
    message(FATAL_ERROR "ctnn: Boost ${version} in ${CTNN_BOOST_INCLUDE_DIR}; ctnn needs 1.74 (107400) or later")
  endif()
  set(boost_only ${CMAKE_CURRENT_BINARY_DIR}/ctnn_boost_only)
  file(MAKE_DIRECTORY ${boost_only})
  if(NOT EXISTS ${boost_only}/boost)
    file(CREATE_LINK ${CTNN_BOOST_INCLUDE_DIR}/boost ${boost_only}/boost SYMBOLIC)
  endif()
  target_include_directories(${target} SYSTEM INTERFACE $<BUILD_INTERFACE:${boost_only}>)
endfunction()
