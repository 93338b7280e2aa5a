/*
 * Keys as the widgets and screens see them: a Unicode code point for a
 * character, or one of the codes below (above the Unicode range) for the
 * other keys. ui/term.c translates curses' key codes into these, and the
 * headless script (ui/script.c) names them, so nothing above ui/term.c
 * depends on curses' numbering.
 */
#ifndef SEGSYNC_UI_KEYS_H
#define SEGSYNC_UI_KEYS_H

#define UI_CTRL(c)	((c) & 0x1f)

enum {
	UI_KEY_BASE = 0x110000,
	UI_KEY_UP,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_BACKSPACE,
	UI_KEY_DELETE,
	UI_KEY_ENTER,
	UI_KEY_TAB,
	UI_KEY_BTAB,		/* Shift-Tab */
	UI_KEY_ESC,
	UI_KEY_RESIZE,		/* the terminal changed size */
	UI_KEY_F1,		/* F1 to F12 follow in order */
	UI_KEY_F12 = UI_KEY_F1 + 11
};

#define UI_KEY_F(n)	(UI_KEY_F1 + (n) - 1)

/* 1 for a character that can be typed into a field. */
#define UI_KEY_PRINTABLE(k)	((k) >= 0x20 && (k) != 0x7f && \
	(k) < UI_KEY_BASE && !((k) >= 0x80 && (k) < 0xa0))

#endif
