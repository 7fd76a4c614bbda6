#include "gateway/health.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace flowgate {

int checkHealth(const Endpoint& admin, std::ostream& out, std::ostream& err) {
  std::string host = admin.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(admin.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(admin.port);
    len = sizeof(sockaddr_in6);
  } else {
    err << "flowgate health: admin address " << admin.str() << " is not an IP address\n";
    return 1;
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM, 0);
  if (fd < 0) {
    err << "flowgate health: socket: " << std::strerror(errno) << "\n";
    return 1;
  }
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    err << "flowgate health: cannot connect to " << admin.str() << ": " << std::strerror(errno)
        << "\n";
    ::close(fd);
    return 1;
  }
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: " + admin.str() + "\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    err << "flowgate health: cannot send to " << admin.str() << "\n";
    ::close(fd);
    return 1;
  }
  char buf[1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.size() > 64 * 1024) break;
  }
  ::close(fd);
  if (answer.rfind("HTTP/1.1 200", 0) == 0 || answer.rfind("HTTP/1.0 200", 0) == 0) {
    out << "ok: " << admin.str() << "/healthz answered 200\n";
    return 0;
  }
  const auto eol = answer.find("\r\n");
  err << "flowgate health: " << admin.str()
      << "/healthz: " << (answer.empty() ? std::string("no answer") : answer.substr(0, eol))
      << "\n";
  return 1;
}

}  // namespace flowgate
