#pragma once
// The chat side's names for the transport port (parley/link): the domain speaks of frames,
// links and handlers, never of sockets.
#include "parley/link/client_link.hpp"

namespace parley::chat {
using link::ClientLink;
using link::Frame;
using link::FrameHandler;
using link::make_frame;
}  // namespace parley::chat
