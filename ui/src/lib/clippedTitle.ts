// Tooltips for cut-off text. Every element marked `data-clip` inside the node gets its full text
// as its `title` when the pointer reaches it and only if the text is cut (an ellipsis), so text
// that fits has no tooltip. One listener for the whole window, not one per list cell.
import type { Action } from 'svelte/action';

export const clippedTitle: Action = (node) => {
  function onPointerOver(e: PointerEvent): void {
    const el = e.target instanceof Element ? e.target.closest('[data-clip]') : null;
    if (!(el instanceof HTMLElement) || !node.contains(el)) return;
    const text = el.textContent.trim();
    if (el.scrollWidth > el.clientWidth && text !== '') el.title = text;
    else el.removeAttribute('title');
  }

  node.addEventListener('pointerover', onPointerOver);
  return {
    destroy() {
      node.removeEventListener('pointerover', onPointerOver);
    },
  };
};
