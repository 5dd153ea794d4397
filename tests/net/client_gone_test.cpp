#include <catch2/catch.hpp>

#include <future>

#include "net/test_server.h"

namespace tempo::net::test {
namespace {

// A handler that answers from another thread once it sees the client leave (or after `limit`),
// reporting whether it did.
struct WaitingHandler {
  std::promise<bool> saw_client_gone;
  std::vector<std::thread> workers;

  HttpHandler Handler(std::chrono::milliseconds limit) {
    return [this, limit](IncomingRequest&& request, Responder respond) {
      workers.emplace_back([this, limit, gone = request.client_gone,
                            respond = std::move(respond),
                            message = HttpRequest(request.message)]() mutable {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!gone->load() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();  // polls a flag the io thread sets; no fixed wait
        }
        saw_client_gone.set_value(gone->load());
        respond(MakeResponse(message, HttpStatus::ok, "done\n"));
      });
    };
  }
  ~WaitingHandler() {
    for (auto& w : workers) w.join();
  }
};

}  // namespace

TEST_CASE("A client that closes its connection marks its request as gone", "[net]") {
  WaitingHandler waiting;
  Router router;
  router.Handle("/slow", "slow", waiting.Handler(std::chrono::seconds(20)));
  TestServer server(std::move(router));
  auto seen = waiting.saw_client_gone.get_future();
  {
    Client client(server.port());
    client.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  }  // closed before any answer
  REQUIRE(seen.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(seen.get());

  // The server keeps serving.
  Client again(server.port());
  again.Send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(again.Read().result_int() == 404);
}

TEST_CASE("A client that waits, or pipelines, is not marked as gone", "[net]") {
  WaitingHandler waiting;
  Router router;
  router.Handle("/slow", "slow", waiting.Handler(std::chrono::milliseconds(300)));
  TestServer server(std::move(router));
  auto seen = waiting.saw_client_gone.get_future();
  Client client(server.port());
  // A second request sent before the first is answered: readable bytes, not a close.
  client.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = client.Read();
  CHECK(first.result_int() == 200);
  CHECK(first.body() == "done\n");
  CHECK(client.Read().result_int() == 404);
  REQUIRE(seen.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK_FALSE(seen.get());
}

}  // namespace tempo::net::test
