-- Widget settings edited by admins in the inbox (docs/INBOX.md, docs/EMBED.md): the colour,
-- launcher position, greeting and team name (`title`) every embedded widget starts from;
-- options given to SupportChat.init win over them field by field. One row, always there.
-- The checks repeat the API's validation (src/widget/widget_settings.cpp) so that no other
-- writer can store what the widget would refuse.
CREATE TABLE widget_settings (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  color      text NOT NULL DEFAULT '#2f5bea' CHECK (color ~ '^#[0-9a-f]{6}$'),
  position   text NOT NULL DEFAULT 'right' CHECK (position IN ('left', 'right')),
  greeting   text NOT NULL DEFAULT 'Hi there! How can we help?' CHECK (char_length(greeting) BETWEEN 1 AND 200),
  title      text NOT NULL DEFAULT 'Support' CHECK (char_length(title) BETWEEN 1 AND 60),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES agent (id) ON DELETE SET NULL
);
INSERT INTO widget_settings DEFAULT VALUES;
