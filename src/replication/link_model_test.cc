#include "replication/link_model.h"
#include <gtest/gtest.h>
TEST(LinkModel, Placeholder) { SUCCEED(); }
