#include "replication/link_model.h"
