// Must compile: the control for the probes that must not (the same set-up, an allowed include).
#include "parley/conversation/conversations.hpp"
#include "parley/link/client_link.hpp"
