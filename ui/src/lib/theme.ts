// The theme on the document, for the window and the quick access palette alike.
import type { Theme } from './bindings';

/** The desktop's light/dark preference, followed live. */
export const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

/** Puts `theme` on the document: light, dark, or the desktop's choice. */
export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && darkQuery.matches);
  document.documentElement.dataset['theme'] = dark ? 'dark' : 'light';
}
