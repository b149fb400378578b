#pragma once
// Logging: spdlog, one process-wide logger configured by the program's main.
// Layers log through these macros only; tests leave the default (warnings and up).

#include <spdlog/spdlog.h>

#define GLOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define GLOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define GLOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define GLOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
