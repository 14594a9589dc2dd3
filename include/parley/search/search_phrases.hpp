#pragma once
// The quoted phrases of an inbox search that every matching message must hold, for the word
// pairs index (migration 0028, docs/BENCHMARKS.md#inbox-search). The query is websearch syntax
// (PostgreSQL's websearch_to_tsquery): "quoted phrases", -excluded words or phrases, `or`.
#include <string>
#include <string_view>

namespace parley::search {

// The text between the quotes of each phrase that the whole query requires, one a line:
// `"reset password" order` → "reset password". A phrase after a `-` (or `!`) is excluded, not
// required, and a query with `or` (or `|`) outside quotes may match without any one phrase:
// those give nothing, and an unclosed quote is not a phrase (PostgreSQL ignores it too).
// When unsure it gives less, never more: a phrase left out is only slower to find; one
// wrongly required would hide matches.
std::string required_phrases(std::string_view query);

}  // namespace parley::search
