// A sparse, paged window onto `list_keys`. The list asks for the rows it is about to show;
// pages are fetched on demand, at most a few at a time, and old ones are dropped, so the web
// view never holds the whole inventory however large it is.
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { ApiError, listKeys, type Key, type KeyQuery } from './api';

export type KeyFilterQuery = Omit<KeyQuery, 'offset' | 'limit'>;

const PAGE_SIZE = 100;
/** Pages kept in memory; older ones far from the viewport are dropped. */
const MAX_PAGES = 40;
/** Rows scrolled past faster than this are not fetched (ms of quiet before fetching). */
const FETCH_DELAY_MS = 30;

export class KeyPager {
  /** Rows matching the query, as the core last reported. */
  total = $state(0);
  /** The total is a lower bound (a big search counts only a little past what is loaded). */
  totalIsLowerBound = $state(false);
  /** True once the current query has answered at least once. */
  ready = $state(false);
  /** The last fetch error, cleared by the next successful fetch. */
  error = $state<string | null>(null);

  // Reactive per page: a row re-renders when its own page lands, not when any page does.
  #pages = new SvelteMap<number, Key[]>();
  #inflight = new SvelteSet<number>();
  #generation = 0;
  #stale = false;
  #query: KeyFilterQuery = {};
  #lastReset: string | null = null;
  #wanted: [number, number] = [0, 0];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onPage: ((items: Key[], offset: number, query: KeyFilterQuery) => void) | undefined;

  /** `onPage` hears of every page that lands, with the query it answers. */
  constructor(onPage?: (items: Key[], offset: number, query: KeyFilterQuery) => void) {
    this.#onPage = onPage;
  }

  /** The row at `index`, or undefined while its page is loading. */
  at(index: number): Key | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Index of a loaded row with this id, or -1. */
  indexOf(id: string): number {
    for (const [page, items] of this.#pages) {
      const i = items.findIndex((k) => k.id === id);
      if (i >= 0) return page * PAGE_SIZE + i;
    }
    return -1;
  }

  /**
   * Starts over with `query` (or the same query, to pick up changes). Rows already shown stay
   * until the first page of the new answer lands, so typing in the search box does not flash.
   */
  reset(query: KeyFilterQuery, range?: [number, number], version?: number): void {
    // The same query at the same version as the last reset (the start-up prefetch, then the
    // list mounting) keeps the answer that is already on its way.
    const key = version === undefined ? null : JSON.stringify([query, version]);
    if (key !== null && key === this.#lastReset) {
      if (range !== undefined) this.#wanted = range;
      this.#fetchWanted();
      return;
    }
    this.#lastReset = key;
    this.#query = query;
    if (range !== undefined) this.#wanted = range;
    this.#generation++;
    this.#inflight.clear();
    this.#stale = true;
    this.ready = this.#pages.size > 0 && this.ready;
    clearTimeout(this.#timer);
    this.#fetchWanted();
  }

  /** Declares the rows [start, end) the list is about to render. */
  want(start: number, end: number): void {
    this.#wanted = [start, Math.max(start + 1, end)];
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#fetchWanted();
    }, FETCH_DELAY_MS);
  }

  #fetchWanted(): void {
    const [start, wantedEnd] = this.#wanted;
    // Past the known end there is nothing to fetch (unless a new query may have more rows).
    const end = this.#stale || !this.ready ? wantedEnd : Math.min(wantedEnd, Math.max(1, this.total));
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor((end - 1) / PAGE_SIZE);
    for (let page = first; page <= last; page++) {
      if ((this.#stale || !this.#pages.has(page)) && !this.#inflight.has(page)) {
        void this.#fetch(page);
      }
    }
  }

  async #fetch(page: number): Promise<void> {
    const generation = this.#generation;
    this.#inflight.add(page);
    try {
      const res = await listKeys({ ...this.#query, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (generation !== this.#generation) return;
      if (this.#stale) {
        this.#pages.clear();
        this.#stale = false;
      }
      this.#pages.set(page, res.items);
      this.#evict(page);
      this.total = res.total;
      this.totalIsLowerBound = res.total_is_lower_bound;
      this.ready = true;
      this.error = null;
      this.#onPage?.(res.items, page * PAGE_SIZE, this.#query);
    } catch (e) {
      if (generation !== this.#generation) return;
      this.error = ApiError.from(e).message;
      this.ready = true;
    } finally {
      if (generation === this.#generation) this.#inflight.delete(page);
    }
  }

  #evict(keep: number): void {
    if (this.#pages.size <= MAX_PAGES) return;
    const centre = Math.floor(this.#wanted[0] / PAGE_SIZE);
    const byDistance = [...this.#pages.keys()]
      .filter((p) => p !== keep)
      .sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const p of byDistance.slice(0, this.#pages.size - MAX_PAGES)) this.#pages.delete(p);
  }
}
