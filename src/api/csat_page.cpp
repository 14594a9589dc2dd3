#include "csat_page.hpp"

#include <string_view>

#include "parley/mail/templates.hpp"

namespace parley::api {
namespace {

const char* kFaces[] = {"\xF0\x9F\x98\xA0", "\xF0\x9F\x98\x9F", "\xF0\x9F\x98\x90", "\xF0\x9F\x98\x8A",
                        "\xF0\x9F\x98\x84"};
const char* kLabels[] = {"Very bad", "Bad", "Okay", "Good", "Very good"};

// Inline style only (the page's CSP allows nothing else): radio buttons styled as faces, so the
// form works with a keyboard and a screen reader without any script.
constexpr std::string_view kHead = R"(<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex"><title>How did we do?</title><style>
body{margin:0;padding:24px 16px;background:#f5f6f8;font:15px/1.5 -apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
main{max-width:480px;margin:0 auto;background:#fff;border-radius:10px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 8px}fieldset{border:0;padding:0;margin:16px 0}legend{font-weight:600;margin-bottom:8px}
.faces{display:flex;gap:6px;flex-wrap:wrap}.faces label{flex:1;min-width:52px;text-align:center;cursor:pointer}
.faces input{position:absolute;opacity:0}.faces span{display:block;font-size:30px;padding:6px 0;border:2px solid #d0d7de;border-radius:8px}
.faces small{display:block;font-size:12px;color:#656d76}
.faces input:checked+span{border-color:#2f6feb;background:#eef4ff}.faces input:focus-visible+span{outline:3px solid #2f6feb;outline-offset:2px}
textarea{width:100%;box-sizing:border-box;min-height:90px;font:inherit;padding:8px;border:1px solid #d0d7de;border-radius:6px}
button{margin-top:12px;background:#2f6feb;color:#fff;border:0;border-radius:6px;padding:10px 18px;font:inherit;cursor:pointer}
.error{color:#b42318}p.muted{color:#656d76}
</style></head><body><main>)";
constexpr std::string_view kFoot = "</main></body></html>";

// Built by appending (GCC 12 warns falsely on `std::string + const char*` chains here).
std::string message(std::string_view title, std::string_view text) {
  std::string html;
  html.reserve(kHead.size() + 512);
  html.append(kHead).append("<h1>").append(title).append("</h1><p>").append(text).append("</p>").append(kFoot);
  return html;
}

}  // namespace

std::string render_csat_page(CsatPage page, const std::string& action, std::optional<int> preselected,
                             const std::string& error) {
  switch (page) {
    case CsatPage::Thanks:
      return message("Thank you!", "Your rating was recorded. It helps the team do better.");
    case CsatPage::Answered:
      return message("Already answered",
                     "This survey was answered already, so there is nothing more to do. Thank you!");
    case CsatPage::Expired:
      return message("This link has expired", "Survey links work for 7 days. Thank you all the same!");
    case CsatPage::NotFound:
      return message("Survey not found", "This link is not valid. Please check that it was copied completely.");
    case CsatPage::Ask:
      break;
  }
  std::string html;
  html.reserve(kHead.size() + 2048);
  html.append(kHead).append(
      "<h1>How did we do?</h1><p class=\"muted\">Your conversation with our support team was resolved.</p>");
  if (!error.empty()) html.append("<p class=\"error\" role=\"alert\">").append(mail::html_escape(error)).append("</p>");
  html.append("<form method=\"post\" action=\"").append(mail::html_escape(action));
  html.append("\"><fieldset><legend>Your rating</legend><div class=\"faces\">");
  for (int i = 0; i < 5; ++i) {
    std::string n = std::to_string(i + 1);
    html.append("<label><input type=\"radio\" name=\"rating\" value=\"").append(n).append("\" required");
    if (preselected == i + 1) html.append(" checked");
    html.append("><span aria-hidden=\"true\">").append(kFaces[i]).append("</span><small>").append(kLabels[i]);
    html.append(" (").append(n).append(")</small></label>");
  }
  html.append(
      "</div></fieldset><label for=\"comment\">A comment (optional)</label>"
      "<textarea id=\"comment\" name=\"comment\" maxlength=\"1000\"></textarea>"
      "<button type=\"submit\">Send</button></form>");
  html.append(kFoot);
  return html;
}

}  // namespace parley::api
