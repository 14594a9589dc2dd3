// Must NOT compile: emails to visitors are built without any access to private notes
// (include/parley/notes/notes.hpp).
#include "parley/notes/notes.hpp"
