// Keeps Tab inside a modal dialog (or the window) and gives focus back to where it was when the
// dialog closes.
import type { Action } from 'svelte/action';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  'summary',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.offsetParent !== null || el === document.activeElement,
  );
}

/**
 * Keeps Tab and Shift+Tab inside `root`: from its last control to its first and back. Without
 * it, Tab past the last control of the window focuses the web view itself, a stop that shows
 * no focus ring anywhere.
 */
export function wrapTab(root: HTMLElement, e: KeyboardEvent): void {
  if (e.key !== 'Tab' || e.altKey || e.ctrlKey || e.metaKey) return;
  const items = focusables(root);
  const first = items[0];
  const last = items[items.length - 1];
  if (first === undefined || last === undefined) {
    e.preventDefault();
    return;
  }
  const active = document.activeElement;
  const outside = active === null || active === document.body || !root.contains(active);
  if (e.shiftKey && (active === first || outside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || outside)) {
    e.preventDefault();
    first.focus();
  }
}

export const focusTrap: Action = (node) => {
  const active = document.activeElement;
  const previous = active instanceof HTMLElement && active !== document.body ? active : null;

  // Focus the element marked data-autofocus, else the first field, else the first control.
  queueMicrotask(() => {
    const all = focusables(node);
    const target =
      node.querySelector<HTMLElement>('[data-autofocus]') ??
      all.find((el) => el.matches('input, select, textarea')) ??
      all[0] ??
      node;
    target.focus();
  });

  function onKeydown(e: KeyboardEvent): void {
    wrapTab(node, e);
  }

  // Focus that escapes (a click on the backdrop, a programmatic focus) is pulled back in.
  function onFocusIn(e: FocusEvent): void {
    if (e.target instanceof Node && !node.contains(e.target)) {
      (focusables(node)[0] ?? node).focus();
    }
  }

  node.addEventListener('keydown', onKeydown);
  document.addEventListener('focusin', onFocusIn);
  return {
    destroy() {
      node.removeEventListener('keydown', onKeydown);
      document.removeEventListener('focusin', onFocusIn);
      // When one dialog replaced another, the opener is gone: fall back to the key list.
      // Deferred: the app behind the dialog is `inert` until this update has been applied.
      setTimeout(() => {
        if (document.querySelector('[role="dialog"]') !== null) return;
        if (previous?.isConnected === true) previous.focus();
        else document.querySelector<HTMLElement>('[data-focus-home]')?.focus();
      }, 0);
    },
  };
};
