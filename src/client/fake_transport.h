#pragma once
// Test doubles for the client layer (tests only): a scripted HttpTransport, a Sleeper that
// records instead of sleeping, a deterministic Random, and a fixed-token CredentialProvider.
//
//   FakeTransport transport;
//   transport.RespondJson(200, {{"name", "gal1"}});
//   ... code under test calls transport.Send(...) ...
//   EXPECT_EQ(transport.calls[0].url, "/subscriptions/...?api-version=2021-10-01");

#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/credential_provider.h"
#include "client/http_transport.h"
#include "client/sleeper.h"
#include "common/random.h"

namespace gallery {

// Answers calls from a FIFO of scripted results and records every call.
class FakeTransport final : public HttpTransport {
 public:
  void Respond(int status, std::string body = "", HttpHeaders headers = {}) {
    answers_.push_back(HttpResult{status, std::move(headers), std::move(body)});
  }
  void RespondJson(int status, const nlohmann::json& body, HttpHeaders headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    Respond(status, body.dump(), std::move(headers));
  }
  void Fail(Status status) { answers_.push_back(std::move(status)); }

  Result<HttpResult> Send(const HttpCall& call) override {
    calls.push_back(call);
    if (answers_.empty()) {
      return Status::Internal("FakeTransport: unexpected call " + call.method + " " + call.url);
    }
    Result<HttpResult> answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }

  // "METHOD url" of every call so far.
  std::vector<std::string> Requests() const {
    std::vector<std::string> out;
    for (const HttpCall& c : calls) {
      out.push_back(c.method + " " + c.url);
    }
    return out;
  }
  // The JSON body of call `i` (null when empty).
  nlohmann::json Body(size_t i) const {
    return calls.at(i).body.empty() ? nlohmann::json() : nlohmann::json::parse(calls.at(i).body);
  }
  size_t pending() const { return answers_.size(); }

  std::vector<HttpCall> calls;

 private:
  std::deque<Result<HttpResult>> answers_;
};

// Forwards to a transport owned elsewhere (for code that wants to own its transport).
class ForwardingTransport final : public HttpTransport {
 public:
  explicit ForwardingTransport(HttpTransport& target) : target_(target) {}
  Result<HttpResult> Send(const HttpCall& call) override { return target_.Send(call); }

 private:
  HttpTransport& target_;
};

class FakeSleeper final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds duration) override { sleeps.push_back(duration); }
  std::vector<std::chrono::milliseconds> sleeps;
};

// Returns bytes 0x11 0x12 0x13 ... so UUIDs are predictable.
class FakeRandom final : public Random {
 public:
  std::string Bytes(size_t n) override {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      out += static_cast<char>(next_++);
    }
    return out;
  }

 private:
  unsigned char next_ = 0x11;
};

class FixedTokenProvider final : public CredentialProvider {
 public:
  explicit FixedTokenProvider(std::string token) : token_(std::move(token)) {}
  Result<std::optional<std::string>> GetToken() override {
    return std::optional<std::string>(token_);
  }

 private:
  std::string token_;
};

}  // namespace gallery
