// riec events: what concerns the caller, listed or followed live.
#include <iostream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/output.h"
#include "riec/common/time_util.h"

namespace riec::cli {
namespace {

struct EventsArgs {
  uint64_t after = 0;
  bool follow = false;
  bool json = false;
  int count = 0;  // with --follow: stop after this many (0: never)
};

std::string EventKindName(v1::EventKind k) {
  std::string s = v1::EventKind_Name(k);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", "-"}});
}

// One line per event: the Event in JSON, or sequence, time, kind and text.
absl::Status PrintEvent(const v1::Event& e, bool json, std::ostream& out) {
  if (json) {
    if (absl::Status s = PrintJson(e, out); !s.ok()) return s;
  } else {
    out << e.sequence() << "  " << absl::FormatTime("%Y-%m-%d %H:%M:%S", FromProtoTime(e.time()),
                                                   absl::UTCTimeZone())
        << "  " << EventKindName(e.kind()) << "  " << e.text() << "\n";
  }
  out.flush();
  return absl::OkStatus();
}

int EventsCommand(sdk::Api& client, const EventsArgs& a, std::ostream& out) {
  if (a.follow) {
    int seen = 0;
    absl::Status printed;
    absl::Status s = client.Subscribe(a.after, [&](const v1::Event& e) {
      printed = PrintEvent(e, a.json, out);
      return printed.ok() && (a.count == 0 || ++seen < a.count);
    });
    if (!printed.ok()) return Fail(printed);
    return s.ok() ? 0 : Fail(s);
  }
  uint64_t after = a.after;
  size_t shown = 0;
  while (true) {
    auto r = client.ListEvents(after);
    if (!r.ok()) return Fail(r.status());
    for (const auto& e : r->events()) {
      if (absl::Status s = PrintEvent(e, a.json, out); !s.ok()) return Fail(s);
      after = e.sequence();
      ++shown;
    }
    if (!r->more()) break;
  }
  if (!a.json && shown == 0) out << "no events after " << a.after << "\n";
  return 0;
}

}  // namespace

void RegisterEventsCommands(CLI::App& app, Dispatch& d) {
  auto events = std::make_shared<EventsArgs>();
  auto* ev = app.add_subcommand("events", "what concerns you: list what you missed, or --follow");
  ev->add_option("--after", events->after, "only events after this sequence number (default 0: all kept)");
  ev->add_flag("--follow,-f", events->follow, "keep the stream open and print new events as they come");
  ev->add_option("--count", events->count, "with --follow: stop after this many events");
  ev->add_flag("--json", events->json, "one JSON object per line");
  d.Online(ev, [events](sdk::Api& c) { return EventsCommand(c, *events, std::cout); });
}

}  // namespace riec::cli
