// The one source of the precompiled-header holder targets
// (cmake/precompiled_headers.cmake): a target needs a source to have a
// precompiled header, and other targets reuse that header.
