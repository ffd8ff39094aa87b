#include "server/config_check.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "riec/policy/policy.h"
#include "server/console_server.h"
#include "server/metrics_server.h"
#include "server/tls.h"

namespace riec::server {
namespace {

using Severity = ConfigProblem::Severity;

class Problems {
 public:
  void Error(std::string text) { list_.push_back({Severity::kError, std::move(text)}); }
  void Warning(std::string text) { list_.push_back({Severity::kWarning, std::move(text)}); }
  void Add(const absl::Status& s) {
    if (!s.ok()) Error(std::string(s.message()));
  }
  std::vector<ConfigProblem> Take() { return std::move(list_); }

 private:
  std::vector<ConfigProblem> list_;
};

std::string Mode(mode_t m) { return absl::StrFormat("%03o", m & 0777); }

// A file the broker reads: present, a regular file, readable by us.
bool Readable(const std::string& setting, const std::string& path, Problems* p) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    p->Error(absl::StrCat(setting, ": ", path, ": ", std::strerror(errno)));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    p->Error(absl::StrCat(setting, ": ", path, " is not a file"));
    return false;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    p->Error(absl::StrCat(setting, ": ", path, " cannot be read by this user (uid ", ::geteuid(),
                          "): run the broker as the file's owner"));
    return false;
  }
  return true;
}

// Whether this process is in group `gid`.
bool InGroup(gid_t gid) {
  if (gid == ::getegid()) return true;
  std::vector<gid_t> groups(static_cast<size_t>(std::max(::getgroups(0, nullptr), 0)));
  const int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
  return n > 0 && std::find(groups.begin(), groups.begin() + n, gid) != groups.begin() + n;
}

// A file or directory that holds a secret: nobody but its owner may read
// it, or, with `group_ok`, its owner and the service's own group (Debian's
// root:ssl-cert 640, a Kubernetes Secret with fsGroup).
void OwnerOnly(const std::string& setting, const std::string& path, Problems* p, bool group_ok = false) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return;
  const bool others = (st.st_mode & 007) != 0;
  // Group read is fine for a group of the service's own (primary or
  // supplementary); group write never is.
  const bool group = (st.st_mode & 020) != 0 || ((st.st_mode & 070) != 0 && !(group_ok && InGroup(st.st_gid)));
  if (others || group) {
    p->Error(absl::StrCat(setting, ": ", path, " holds a secret but ", others ? "others" : "its group",
                          " may use it (mode ", Mode(st.st_mode), "); run: chmod ",
                          S_ISDIR(st.st_mode) ? "700 " : "600 ", path,
                          group_ok ? " (or 640 with a group of the service user as the file's group)" : ""));
  }
}

// A directory the broker creates if it is missing.
void DirectoryOrCreatable(const std::string& setting, const std::string& path, Problems* p) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_directory(status)) p->Error(absl::StrCat(setting, ": ", path, " is not a directory"));
    else if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
      p->Error(absl::StrCat(setting, ": ", path, " cannot be written by this user (uid ", ::geteuid(), ")"));
    }
    return;
  }
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (::access(parent.empty() ? "." : parent.c_str(), W_OK | X_OK) != 0) {
    p->Error(absl::StrCat(setting, ": ", path, " does not exist, and ", parent,
                          " cannot be written to create it: create it, owned by the service user (mode 700)"));
  }
}

// Tries to bind host:port (not listening): taken, or not an address here.
void PortFree(const std::string& setting, const std::string& listen, Problems* p) {
  auto hp = SplitHostPort(listen, setting);
  if (!hp.ok()) return p->Add(hp.status());
  if (hp->second == 0) return;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(hp->second);
  if (int e = ::getaddrinfo(hp->first.c_str(), port.c_str(), &hints, &found); e != 0) {
    return p->Error(absl::StrCat(setting, ": ", listen, ": ", ::gai_strerror(e)));
  }
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const int bound = ::bind(fd, a->ai_addr, a->ai_addrlen);
    const int error = errno;
    ::close(fd);
    if (bound != 0) {
      p->Error(absl::StrCat(setting, ": cannot listen on ", listen, ": ", std::strerror(error),
                            error == EADDRINUSE ? " (another process listens there: a broker already running?)"
                                                : ""));
      break;
    }
  }
  ::freeaddrinfo(found);
}

// The admin socket answering means a broker runs on this data already.
void AdminSocketFree(const BrokerConfig& config, Problems* p) {
  const std::string path = AdminSocketPath(config);
  if (path.empty() || !std::filesystem::exists(path)) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return;
  const bool answered = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  if (answered) {
    p->Error(absl::StrCat("admin_socket: ", path, " answers: a broker already runs on ", config.data_dir));
  }
}

std::string Date(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone()); }

void Expiry(const BrokerConfig& config, const CheckOptions& o, Problems* p) {
  auto soon = [&](absl::Time t) { return t > o.now && t - o.now < o.certificate_warning; };
  auto days = [&](absl::Time t) { return absl::ToInt64Hours(t - o.now) / 24; };
  // The server certificate and its chain: the earliest date counts.
  if (auto not_after = CertificatesNotAfter(config.tls.cert); not_after.ok()) {
    if (*not_after <= o.now) {
      p->Error(absl::StrCat("tls.cert: ", config.tls.cert, " expired on ", Date(*not_after),
                            ": renew it (certs/README.md)"));
    } else if (soon(*not_after)) {
      p->Warning(absl::StrCat("tls.cert: ", config.tls.cert, " expires on ", Date(*not_after), ", in ",
                              days(*not_after), " days: renew it (certs/README.md)"));
    }
  }
  // The CA bundle: each CA apart (a bundle holds old and new CAs during a
  // rollover, and PKIoverheid CAs); an error only when none is valid.
  if (auto cas = CertificatesIn(config.tls.client_ca); cas.ok()) {
    const bool any_valid = std::any_of(cas->begin(), cas->end(), [&](const auto& c) { return c.not_after > o.now; });
    for (const CertificateDates& ca : *cas) {
      const std::string which = absl::StrCat("tls.client_ca: ", config.tls.client_ca, ": CA ", ca.subject);
      if (ca.not_after <= o.now) {
        const std::string text = absl::StrCat(which, " expired on ", Date(ca.not_after),
                                              any_valid ? ": remove it from the bundle" : ": renew the CA");
        any_valid ? p->Warning(text) : p->Error(text);
      } else if (soon(ca.not_after)) {
        p->Warning(absl::StrCat(which, " expires on ", Date(ca.not_after), ", in ", days(ca.not_after),
                                " days: roll it over (docs/operations.md)"));
      }
    }
  }
  if (config.tls.crl_dir.empty()) return;
  auto crls = Revocations::Load(config.tls);
  if (!crls.ok()) return;  // reported by the CRL check
  if (auto next = (*crls)->EarliestNextUpdate(); next && *next - o.now < o.crl_warning) {
    p->Warning(absl::StrCat("tls.crl_dir: ", config.tls.crl_dir, ": a CRL ",
                            *next <= o.now ? "passed its nextUpdate on " : "reaches its nextUpdate on ", Date(*next),
                            ": publish a fresh CRL (certs/revoke.sh)"));
  }
}

}  // namespace

std::vector<ConfigProblem> CheckBrokerConfig(const BrokerConfig& c, const CheckOptions& o) {
  Problems p;
  if (absl::Status s = ValidateBrokerConfig(c); !s.ok()) {
    p.Add(s);
    return p.Take();
  }
  if (absl::Status s = ValidateMetricsConfig(c.metrics); !s.ok()) p.Add(s);
  if (absl::Status s = ValidateConsoleConfig(c.console); !s.ok()) p.Add(s);

  // Files.
  const bool cert = Readable("tls.cert", c.tls.cert, &p);
  const bool key = Readable("tls.key", c.tls.key, &p);
  const bool ca = Readable("tls.client_ca", c.tls.client_ca, &p);
  if (key) OwnerOnly("tls.key", c.tls.key, &p, /*group_ok=*/true);
  if (!c.metrics.client_ca.empty()) Readable("metrics.client_ca", c.metrics.client_ca, &p);
  if (!c.tls.convenant_ca.empty() && Readable("tls.convenant_ca", c.tls.convenant_ca, &p)) {
    if (auto issuers = ConvenantIssuers::Load(c.tls); !issuers.ok()) p.Add(issuers.status());
  }
  DirectoryOrCreatable("data_dir", c.data_dir, &p);
  DirectoryOrCreatable("key_dir", c.key_dir, &p);
  OwnerOnly("key_dir", c.key_dir, &p);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(c.key_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) OwnerOnly("key_dir", it->path().string(), &p);
  }

  // The policy, with every error it has.
  if (Readable("policy", c.policy, &p)) {
    auto policy = policy::Policy::LoadFile(c.policy);
    if (!policy.ok()) p.Error(absl::StrCat("policy: ", policy.status().message()));
  }

  // Certificates: the key is the certificate's, the certificate chains to
  // the CA, the dates; the CRLs parse and are the CA's.
  if (cert && key && ca) {
    if (absl::Status s = CheckServerKeyPair(c.tls); !s.ok()) {
      p.Add(s);
    } else {
      p.Add(CheckServerChain(c.tls));
    }
    for (const ConfigProblem& e : CheckExpiry(c, o)) {
      (e.severity == Severity::kError ? p.Error(e.text) : p.Warning(e.text));
    }
  }
  if (!c.tls.crl_dir.empty()) {
    auto crls = Revocations::Load(c.tls);
    if (!crls.ok()) {
      const absl::string_view m = crls.status().message();
      p.Error(absl::StartsWith(m, "tls.crl_dir") ? std::string(m) : absl::StrCat("tls.crl_dir: ", m));
    }
  }

  if (o.ports) {
    PortFree("listen", c.listen, &p);
    if (!c.metrics.listen.empty()) PortFree("metrics.listen", c.metrics.listen, &p);
    if (!c.console.listen.empty()) PortFree("console.listen", c.console.listen, &p);
    AdminSocketFree(c, &p);
  }
  return p.Take();
}

std::vector<ConfigProblem> CheckExpiry(const BrokerConfig& config, const CheckOptions& options) {
  Problems p;
  Expiry(config, options, &p);
  return p.Take();
}

}  // namespace riec::server
