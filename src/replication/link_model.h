#pragma once
// LinkModel: the network between regions (sites), as replication experiences it.
// (Placeholder: the full model is being written.)

namespace gallery::replication {}
