// Must NOT compile: the real-time side (the visitor's socket, the event feed, the hub) never
// sees a private note (include/parley/notes/notes.hpp).
#include "parley/notes/notes.hpp"
