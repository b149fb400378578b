#include "client/sleeper.h"

#include <thread>

namespace gallery {

void RealSleeper::Sleep(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

}  // namespace gallery
