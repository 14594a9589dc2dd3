// Must NOT compile: the domain knows no transport (docs/ARCHITECTURE.md).
#include "parley/net/server.hpp"
