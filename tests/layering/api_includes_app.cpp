// Must NOT compile: data flows one way; handlers know nothing of the composition root.
#include "parley/app/commands.hpp"
