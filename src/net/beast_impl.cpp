// Beast and Asio are header-only by default; with *_SEPARATE_COMPILATION their bodies
// are compiled here, once, instead of in every file that includes them.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
