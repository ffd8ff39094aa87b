#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "riec/common/file.h"
#include "riec/policy/policy.h"

namespace riec::server {

absl::Status SetServices(const std::string& list, BrokerConfig* config) {
  config->pseudonymiser = config->index = false;
  for (absl::string_view s : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    s = absl::StripAsciiWhitespace(s);
    if (s == "all") {
      config->pseudonymiser = config->index = true;
    } else if (s == "pseudonymiser") {
      config->pseudonymiser = true;
    } else if (s == "index") {
      config->index = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "services: unknown service '", s, "' (services: pseudonymiser, index, all)"));
    }
  }
  if (!config->pseudonymiser && !config->index) {
    return absl::InvalidArgumentError("services: name at least one of pseudonymiser, index");
  }
  return absl::OkStatus();
}

absl::Status SetSweepInterval(const std::string& text, BrokerConfig* config) {
  if (text == "0" || text == "off") {
    config->sweep_interval = absl::ZeroDuration();
    return absl::OkStatus();
  }
  auto d = policy::ParseDuration(text);
  if (!d.ok()) return d.status();
  config->sweep_interval = *d;
  return absl::OkStatus();
}

absl::StatusOr<BrokerConfig> LoadBrokerConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  BrokerConfig c;
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": must be a mapping"));
  }
  auto where = [&](const YAML::Node& n, const std::string& key) {
    return absl::StrCat(path, ":", n.Mark().line + 1, ":", n.Mark().column + 1, ": ", key);
  };
  try {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string key = it->first.Scalar();
      const YAML::Node& v = it->second;
      if (key == "tls") {
        if (!v.IsMap()) return absl::InvalidArgumentError(where(v, "tls") + ": must be a mapping");
        for (auto t = v.begin(); t != v.end(); ++t) {
          const std::string k = t->first.Scalar();
          std::string* target = k == "cert"        ? &c.tls.cert
                                : k == "key"       ? &c.tls.key
                                : k == "client_ca" ? &c.tls.client_ca
                                : k == "crl_dir"   ? &c.tls.crl_dir
                                : k == "convenant_ca" ? &c.tls.convenant_ca
                                                   : nullptr;
          if (target == nullptr) {
            return absl::InvalidArgumentError(
                where(t->first, "tls." + k) +
                ": unknown key (allowed: cert, key, client_ca, crl_dir, convenant_ca)");
          }
          *target = t->second.as<std::string>();
        }
      } else if (key == "metrics") {
        if (!v.IsMap()) return absl::InvalidArgumentError(where(v, "metrics") + ": must be a mapping");
        for (auto t = v.begin(); t != v.end(); ++t) {
          const std::string k = t->first.Scalar();
          if (k != "listen" && k != "tls" && k != "client_ca") {
            return absl::InvalidArgumentError(where(t->first, "metrics." + k) +
                                              ": unknown key (allowed: listen, tls, client_ca)");
          }
          if (!t->second.IsScalar()) {
            return absl::InvalidArgumentError(where(t->second, "metrics." + k) +
                                              (k == "tls" ? ": must be true or false" : ": must be a string"));
          }
          if (k == "listen") {
            c.metrics.listen = t->second.Scalar();
          } else if (k == "client_ca") {
            c.metrics.client_ca = t->second.Scalar();
          } else if (!YAML::convert<bool>::decode(t->second, c.metrics.tls)) {
            return absl::InvalidArgumentError(where(t->second, "metrics.tls") + ": '" + t->second.Scalar() +
                                              "' is not true or false");
          }
        }
        // Checked once the flags are merged (--metrics-listen, --metrics-tls).
      } else if (key == "console") {
        if (!v.IsMap()) return absl::InvalidArgumentError(where(v, "console") + ": must be a mapping");
        for (auto t = v.begin(); t != v.end(); ++t) {
          const std::string k = t->first.Scalar();
          if (k != "listen" && k != "assets") {
            return absl::InvalidArgumentError(where(t->first, "console." + k) +
                                              ": unknown key (allowed: listen, assets)");
          }
          if (!t->second.IsScalar()) {
            return absl::InvalidArgumentError(where(t->second, "console." + k) + ": must be a string");
          }
          (k == "listen" ? c.console.listen : c.console.assets) = t->second.Scalar();
        }
        // Checked once the flags are merged (--console-listen, --console-assets).
      } else if (key == "log_format" || key == "log_requests") {
        const std::string value = v.as<std::string>();
        const bool ok = key == "log_format" ? (value == "json" || value == "logfmt")
                                            : (value == "all" || value == "failures" || value == "off");
        if (!ok) {
          return absl::InvalidArgumentError(
              where(v, key) + ": '" + value + "' is not one of " +
              (key == "log_format" ? "json, logfmt" : "all, failures, off"));
        }
        (key == "log_format" ? c.log_format : c.log_requests) = value;
      } else if (key == "sweep_interval") {
        if (absl::Status s = SetSweepInterval(v.as<std::string>(), &c); !s.ok()) {
          return absl::InvalidArgumentError(where(v, "sweep_interval") + ": " +
                                            std::string(s.message()));
        }
      } else if (key == "tree_head_interval" || key == "crl_reload_interval") {
        auto d = policy::ParseDuration(v.as<std::string>());
        if (!d.ok()) {
          return absl::InvalidArgumentError(where(v, key) + ": " + std::string(d.status().message()));
        }
        (key == "tree_head_interval" ? c.tree_head_interval : c.crl_reload_interval) = *d;
      } else if (key == "store_memory_mib" || key == "store_reserve_mib") {
        const bool memory = key == "store_memory_mib";
        const int64_t min = memory ? 16 : 4, max = memory ? 65536 : 1 << 20;
        int64_t mib = -1;
        try {
          mib = v.as<int64_t>();
        } catch (const YAML::Exception&) {
          mib = -1;
        }
        if (mib < min || mib > max) {
          return absl::InvalidArgumentError(
              absl::StrCat(where(v, key), ": want a whole number of MiB from ", min, " to ", max));
        }
        (memory ? c.store_memory_bytes : c.store_reserve_bytes) = static_cast<uint64_t>(mib) << 20;
      } else if (key == "services") {
        std::string list;
        if (v.IsSequence()) {
          for (const auto& s : v) list += s.as<std::string>() + ",";
        } else {
          list = v.as<std::string>();
        }
        if (absl::Status s = SetServices(list, &c); !s.ok()) {
          return absl::InvalidArgumentError(where(v, "services") + ": " +
                                            std::string(s.message()));
        }
      } else {
        std::string* target = key == "listen"       ? &c.listen
                              : key == "data_dir"   ? &c.data_dir
                              : key == "policy"     ? &c.policy
                              : key == "key_dir"    ? &c.key_dir
                              : key == "ready_file" ? &c.ready_file
                              : key == "admin_socket" ? &c.admin_socket
                                                    : nullptr;
        if (target == nullptr) {
          return absl::InvalidArgumentError(
              where(it->first, key) +
              ": unknown key (allowed: listen, tls, data_dir, policy, key_dir, services, "
              "ready_file, admin_socket, metrics, console, log_format, log_requests, sweep_interval, "
              "tree_head_interval, crl_reload_interval, store_memory_mib, store_reserve_mib)");
        }
        *target = v.as<std::string>();
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": ", e.msg));
  }
  return c;
}

std::string AdminSocketPath(const BrokerConfig& c) {
  if (c.admin_socket == "off") return "";
  if (!c.admin_socket.empty()) return c.admin_socket;
  std::string dir = c.data_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + ".sock";
}

absl::Status ValidateBrokerConfig(const BrokerConfig& c) {
  std::vector<std::string> missing;
  if (c.listen.empty()) missing.push_back("listen (--listen)");
  if (c.tls.cert.empty()) missing.push_back("tls.cert (--tls-cert)");
  if (c.tls.key.empty()) missing.push_back("tls.key (--tls-key)");
  if (c.tls.client_ca.empty()) missing.push_back("tls.client_ca (--tls-client-ca)");
  if (c.policy.empty()) missing.push_back("policy (--policy)");
  if (c.data_dir.empty()) missing.push_back("data_dir (--data-dir)");
  if (c.key_dir.empty()) missing.push_back("key_dir (--key-dir)");
  if (missing.empty()) return absl::OkStatus();
  std::string msg = "missing configuration:";
  for (const auto& m : missing) absl::StrAppend(&msg, " ", m, ";");
  msg.pop_back();
  return absl::InvalidArgumentError(msg);
}

}  // namespace riec::server
