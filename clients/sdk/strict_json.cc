#include "riec/sdk/strict_json.h"

#include "absl/strings/str_cat.h"
#include "riec/common/identifiers.h"

namespace riec::sdk {

const JsonValue* JsonValue::Find(absl::string_view key) const {
  auto it = object_.find(std::string(key));
  return it == object_.end() ? nullptr : &it->second;
}

class JsonParser {
 public:
  explicit JsonParser(absl::string_view text) : s_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    JsonValue v;
    if (absl::Status st = Value(&v, 0); !st.ok()) return st;
    Space();
    if (i_ != s_.size()) return Error("unexpected characters after the JSON value");
    return v;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("JSON at offset ", i_, ": ", what));
  }
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Literal(absl::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  absl::Status Value(JsonValue* v, int depth) {
    if (depth > 64) return Error("nested too deeply");
    Space();
    if (i_ >= s_.size()) return Error("a value is missing");
    const char c = s_[i_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v->type_ = JsonValue::Type::kString;
      return String(&v->text_);
    }
    if (Literal("true")) {
      v->type_ = JsonValue::Type::kBool;
      v->bool_ = true;
      return absl::OkStatus();
    }
    if (Literal("false")) {
      v->type_ = JsonValue::Type::kBool;
      return absl::OkStatus();
    }
    if (Literal("null")) return absl::OkStatus();
    if (c == '-' || (c >= '0' && c <= '9')) return Number(v);
    return Error("not a JSON value");
  }

  absl::Status Number(JsonValue* v) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > from;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return Error("a number needs digits");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return Error("a fraction needs digits");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return Error("an exponent needs digits");
    }
    v->type_ = JsonValue::Type::kNumber;
    v->text_ = std::string(s_.substr(start, i_ - start));
    return absl::OkStatus();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  absl::Status Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Error("a \\u escape needs 4 hex digits");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_ + k];
      const int d = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return Error("a \\u escape needs 4 hex digits");
      v = v * 16 + d;
    }
    i_ += 4;
    *out = v;
    return absl::OkStatus();
  }

  absl::Status String(std::string* out) {
    ++i_;  // the opening quote
    while (true) {
      if (i_ >= s_.size()) return Error("a string is not closed");
      const unsigned char c = s_[i_];
      if (c == '"') {
        ++i_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("a control character in a string");
      if (c == '\\') {
        if (++i_ >= s_.size()) return Error("an escape is cut off");
        const char e = s_[i_++];
        switch (e) {
          case '"': out->push_back('"'); break;
          case '\\': out->push_back('\\'); break;
          case '/': out->push_back('/'); break;
          case 'b': out->push_back('\b'); break;
          case 'f': out->push_back('\f'); break;
          case 'n': out->push_back('\n'); break;
          case 'r': out->push_back('\r'); break;
          case 't': out->push_back('\t'); break;
          case 'u': {
            uint32_t cp = 0;
            if (absl::Status s = Hex4(&cp); !s.ok()) return s;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("a lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t low = 0;
              if (!Literal("\\u")) return Error("a high surrogate without its low half");
              if (absl::Status s = Hex4(&low); !s.ok()) return s;
              if (low < 0xDC00 || low > 0xDFFF) return Error("a high surrogate without its low half");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(cp, out);
            break;
          }
          default:
            return Error("an unknown escape");
        }
        continue;
      }
      size_t next = i_;
      uint32_t cp = 0;
      if (!NextCodePoint(s_, &next, &cp)) return Error("not valid UTF-8");
      out->append(s_.data() + i_, next - i_);
      i_ = next;
    }
  }

  absl::Status Array(JsonValue* v, int depth) {
    v->type_ = JsonValue::Type::kArray;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return absl::OkStatus();
    }
    while (true) {
      JsonValue item;
      if (absl::Status s = Value(&item, depth + 1); !s.ok()) return s;
      v->array_.push_back(std::move(item));
      Space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return absl::OkStatus();
      }
      return Error("an array needs ',' or ']'");
    }
  }

  absl::Status Object(JsonValue* v, int depth) {
    v->type_ = JsonValue::Type::kObject;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return absl::OkStatus();
    }
    while (true) {
      Space();
      if (i_ >= s_.size() || s_[i_] != '"') return Error("an object key must be a string");
      std::string key;
      if (absl::Status s = String(&key); !s.ok()) return s;
      Space();
      if (i_ >= s_.size() || s_[i_] != ':') return Error("a key needs ':'");
      ++i_;
      JsonValue item;
      if (absl::Status s = Value(&item, depth + 1); !s.ok()) return s;
      if (!v->object_.emplace(key, std::move(item)).second) {
        return Error(absl::StrCat("the key \"", key.substr(0, 40), "\" appears twice in one object"));
      }
      Space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return absl::OkStatus();
      }
      return Error("an object needs ',' or '}'");
    }
  }

  absl::string_view s_;
  size_t i_ = 0;
};

absl::StatusOr<JsonValue> ParseStrictJson(absl::string_view text) {
  return JsonParser(text).ParseDocument();
}

}  // namespace riec::sdk
