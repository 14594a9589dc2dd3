// The embed snippet on the landing page names this server.
for (const el of document.querySelectorAll('.origin')) el.textContent = location.origin;
