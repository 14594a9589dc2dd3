# Writes N published articles as Markdown files with front matter into DIR, for
# bench/help_search: titles of 4-8 and bodies of 120-300 words drawn from a help-center
# vocabulary, in 12 collections. Deterministic (srand(17)).
#   awk -v N=10000 -v DIR=/tmp/articles -f generate.awk
BEGIN {
  srand(17)
  split("account password reset login sign email invoice billing plan subscription refund payment card " \
        "seat team invite role permission owner workspace sso saml okta entra scim audit security allowlist " \
        "encryption backup slack salesforce hubspot jira zapier analytics shopify api key token rate limit " \
        "webhook signature pagination cursor identity hmac widget colour position install script page " \
        "export import csv contact conversation retention gdpr region data notification shortcut note " \
        "assign queue routing business hours away message offline reply agent customer visitor report " \
        "dashboard metric chart filter search article collection draft publish markdown link image file " \
        "upload download attachment mobile app browser cookie session device timezone language translation " \
        "custom field tag label priority status resolve reopen snooze archive delete restore update change " \
        "configure enable disable connect disconnect sync schedule trigger automation rule bot answer", W, " ")
  nw = length(W)
  split("Account Billing Security Integrations API Data Widget Inbox Reports Automation Mobile Team", C, " ")
  for (i = 1; i <= N; i++) {
    title = ""
    tl = 4 + int(rand() * 5)
    for (j = 1; j <= tl; j++) title = title (j > 1 ? " " : "") W[1 + int(rand() * nw)]
    title = toupper(substr(title, 1, 1)) substr(title, 2) " " i
    file = DIR "/bench-" i ".md"
    printf "---\ntitle: %s\ncollection: %s\nstatus: published\nslug: bench-%d\n---\n", title, C[1 + (i % 12)], i > file
    bl = 120 + int(rand() * 180)
    line = ""
    for (j = 1; j <= bl; j++) {
      line = line W[1 + int(rand() * nw)] (j % 15 == 0 ? ".\n" : " ")
      if (j % 60 == 0) line = line "\n"
    }
    print line > file
    close(file)
  }
}
