// Must NOT compile: storage returns plain rows and knows nothing above it.
#include "parley/chat/hub.hpp"
