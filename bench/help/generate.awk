# Writes N published articles as Markdown files with front matter into DIR, for
# bench/help_search. Like a real help center: every article shares the generic words of help
# writing ("click", "settings", "open"…, each in a large share of the articles) and has a topic
# of its own — three words drawn (Zipf-like: a few topics are common, most rare) from 4,000
# made-up product words ("velkor", "trandisk"…) — in its title and through its body. Titles of
# 4-7 words, bodies of 120-300 words. Deterministic (srand(17)).
#   awk -v N=10000 -v DIR=/tmp/articles [-v QUERIES=/tmp/queries.txt] [-v TOPICS=/tmp/topics.txt] -f generate.awk
# 1..n, log-uniform: P(k) ∝ 1/k, as word frequencies go.
function zipf(n) { return int(n ^ rand()) }
BEGIN {
  srand(17)
  split("click open select choose save change update add remove enable disable settings page menu " \
        "button option list view new the a to your you can in on of for and with from this that is are " \
        "when then after before under each every it we our at by or not be will see find use set up " \
        "first next last top left right field name value default time day week user people member " \
        "workspace profile tab panel link screen window message help support guide step learn more", G, " ")
  ng = length(G)
  split("ka lo mi nu pe ri sa to vu we xa yo ze bra cle dro fli gra kro pla sti tra vel dor " \
        "mon tis ran kel bur fen gol hax jin lum nox pix quo rez sul tev wix yar zon", S, " ")
  ns = length(S)
  nt = 4000
  for (t = 1; t <= nt; t++) T[t] = S[1 + (t * 7) % ns] S[1 + (t * 13 + int(t / ns)) % ns] S[1 + (t * 29 + int(t / 7)) % ns]
  # The topic words, most common first, for the load's queries (bench/help/search.lua).
  if (TOPICS != "") for (t = 1; t <= nt; t++) print T[t] > TOPICS
  split("Account Billing Security Integrations API Data Widget Inbox Reports Automation Mobile Team", C, " ")
  split("Set up,Configure,Use,Troubleshoot,Turn on,Manage,Connect,Export", V, ",")
  for (i = 1; i <= N; i++) {
    for (k = 1; k <= 3; k++) tw[k] = T[zipf(nt)]
    verb = V[1 + int(rand() * 8)]
    title = verb " " tw[1] " " tw[2] " " G[1 + int(rand() * 15)]
    # Queries for the load (bench/help/search.lua), about things that exist, as a visitor's
    # are: a topic alone, two words of one title, a verb and a topic.
    if (QUERIES != "" && i % 500 == 0) {
      k = i / 500
      print (k % 3 == 0 ? tw[3] : k % 3 == 1 ? tw[1] " " tw[2] : tolower(verb) " " tw[1]) >> QUERIES
    }
    file = DIR "/bench-" i ".md"
    printf "---\ntitle: %s\ncollection: %s\nstatus: published\nslug: bench-%d\n---\n", title, C[1 + (i % 12)], i > file
    bl = 120 + int(rand() * 180)
    line = ""
    for (j = 1; j <= bl; j++) {
      w = rand() < 0.12 ? tw[1 + int(rand() * 3)] : G[1 + int(rand() * ng)]
      line = line w (j % 15 == 0 ? ".\n" : " ")
      if (j % 60 == 0) line = line "\n"
    }
    print line > file
    close(file)
  }
}
