// A strict reader of one JSON text (RFC 8259), for files whose every byte an
// auditor relies on (log exports): it refuses what lenient readers let pass
// — a key twice in one object (readers disagree on which one counts),
// anything after the value, invalid UTF-8, control characters in strings,
// nesting deeper than 64.
//
// Thread-safety: values are immutable after parsing.
#ifndef RIEC_SDK_STRICT_JSON_H_
#define RIEC_SDK_STRICT_JSON_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::sdk {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_object() const { return type_ == Type::kObject; }
  bool boolean() const { return bool_; }
  // The number as written (e.g. "12", "-1.5e3").
  const std::string& number_text() const { return text_; }
  const std::string& string() const { return text_; }
  const std::vector<JsonValue>& array() const { return array_; }
  const std::map<std::string, JsonValue>& object() const { return object_; }
  // The member `key` of an object, or null.
  const JsonValue* Find(absl::string_view key) const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> array_;
  std::map<std::string, JsonValue> object_;
};

// INVALID_ARGUMENT naming the offset and what is wrong.
absl::StatusOr<JsonValue> ParseStrictJson(absl::string_view text);

}  // namespace riec::sdk

#endif  // RIEC_SDK_STRICT_JSON_H_
