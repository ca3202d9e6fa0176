// The tiny image has no jq: this awk program (busybox awk) flattens a JSON
// document into one "path<TAB>value" line per scalar, object keys and array
// indexes joined by dots (meta.db_ip, public_keys.mykey, keys.0.data).
// Strings are unescaped; a newline inside a value is written as \n so that
// every value stays on its line. Enough for Nova's meta_data.json.

export const JSON_AWK = String.raw`
function ws() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++ }
function hexval(h,   i, v) {
  v = 0
  for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
  return v
}
function utf8(c) {
  if (c < 128) return sprintf("%c", c)
  if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
  return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
}
function str(   out, c, i) {
  pos++
  out = ""
  while (pos <= n) {
    i = match(substr(s, pos), /["\\]/)
    if (i == 0) { pos = n + 1; break }
    out = out substr(s, pos, i - 1)
    pos += i - 1
    c = substr(s, pos, 1)
    if (c == "\"") { pos++; return out }
    c = substr(s, pos + 1, 1)
    pos += 2
    if (c == "n") out = out "\n"
    else if (c == "t") out = out "\t"
    else if (c == "u") { out = out utf8(hexval(substr(s, pos, 4))); pos += 4 }
    else if (c != "r" && c != "b" && c != "f") out = out c
  }
  return out
}
function emit(path, v) {
  gsub(/\n/, "\\n", v)
  gsub(/\t/, " ", v)
  print path "\t" v
}
function val(path,   c, k, i, start) {
  ws()
  c = substr(s, pos, 1)
  if (c == "{") {
    pos++; ws()
    if (substr(s, pos, 1) == "}") { pos++; return }
    while (pos <= n) {
      ws(); k = str(); ws(); pos++
      val(path == "" ? k : path "." k)
      ws(); c = substr(s, pos, 1); pos++
      if (c != ",") return
    }
  } else if (c == "[") {
    pos++; ws()
    if (substr(s, pos, 1) == "]") { pos++; return }
    for (i = 0; pos <= n; i++) {
      val(path == "" ? i : path "." i)
      ws(); c = substr(s, pos, 1); pos++
      if (c != ",") return
    }
  } else if (c == "\"") {
    emit(path, str())
  } else {
    start = pos
    while (pos <= n && index(",}] \t\r\n", substr(s, pos, 1)) == 0) pos++
    emit(path, substr(s, start, pos - start))
  }
}
{ s = s $0 "\n" }
END { n = length(s); pos = 1; val("") }
`;
