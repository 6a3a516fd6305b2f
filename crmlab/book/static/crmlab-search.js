/* crmlab book search: cut Chinese queries into the words of the index, and show an excerpt
   under each result (Sphinx's own excerpts need fetch(), which file:// pages may not use). */
"use strict";

/* Sphinx 9's language_data.js for Chinese sets `window.Stemmer = ChineseStemmer` but never
   defines ChineseStemmer; Latin words in a Chinese index are stemmed in English, so this is the
   English stemmer that the same file defines (looked up when search starts, not now). */
if (typeof ChineseStemmer === "undefined") {
  var ChineseStemmer = function ChineseStemmer() {
    return new EnglishStemmer();  // eslint-disable-line no-undef
  };
}

/* Sphinx's searchtools.js uses this splitQuery when it is defined before it. Latin words are
   split as Sphinx does; a run of Chinese characters is kept whole when the index has it as one
   word (the glossary's names are), else cut greedily into the longest words the index has. */
var splitQuery = (query) => {
  const index = (typeof Search !== "undefined" && Search._index) ? Search._index.terms : null;
  const words = [];
  for (const part of query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)) {
    if (!part) continue;
    for (const run of part.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu)) {
      const word = (window.CRMLAB_SYNONYMS || {})[run] || run;  // 客户终身价值 -> 客户终生价值
      if (!/\p{Script=Han}/u.test(word) || !index || word in index) { words.push(word); continue; }
      let i = 0;
      while (i < word.length) {
        let j = Math.min(word.length, i + 8);
        while (j > i + 1 && !(word.slice(i, j) in index)) j--;
        words.push(word.slice(i, j));
        i = j;
      }
    }
  }
  return words;
};

(() => {
  if (!document.getElementById("search-results") && !/search\.html$/.test(location.pathname)) return;
  const root = document.documentElement.dataset.content_root || "";
  const script = document.createElement("script");
  script.src = root + "_static/crmlab-page-text.js";
  document.head.appendChild(script);

  const terms = () => {
    const q = new URLSearchParams(location.search).get("q") || "";
    return splitQuery(q).filter((w) => w.length > 1 || /\p{Script=Han}/u.test(w));
  };
  const excerpt = (text, words) => {
    const lower = text.toLowerCase();
    let at = -1;
    for (const w of words) {
      at = lower.indexOf(w.toLowerCase());
      if (at >= 0) break;
    }
    const start = Math.max(0, at - 80);
    const piece = text.slice(start, start + 240);
    return (start > 0 ? "… " : "") + piece + (start + 240 < text.length ? " …" : "");
  };
  const addExcerpt = (item) => {
    if (!window.CRMLAB_PAGE_TEXT || item.querySelector("p.context")) return;
    const link = item.querySelector("a");
    if (!link) return;
    const path = decodeURI(new URL(link.href).pathname).replace(/\.html$/, "");
    const name = Object.keys(window.CRMLAB_PAGE_TEXT).find((k) => path.endsWith("/" + k));
    if (!name) return;
    const p = document.createElement("p");
    p.className = "context";
    p.textContent = excerpt(window.CRMLAB_PAGE_TEXT[name], terms());
    item.appendChild(p);
  };
  const note = (results) => {  // say which glossary term a synonym in the query stands for
    const list = results.querySelector("ul.search");
    if (!list || results.querySelector("p.crmlab-synonyms")) return;
    let q = new URLSearchParams(location.search).get("q") || "";
    const named = [];
    const synonyms = Object.entries(window.CRMLAB_SYNONYMS || {});
    for (const [s, term] of synonyms.sort((a, b) => b[0].length - a[0].length)) {
      if (q.includes(s)) { named.push(`${s} is searched as ${term}`); q = q.split(s).join(" "); }
    }
    if (!named.length) return;
    const p = document.createElement("p");
    p.className = "crmlab-synonyms";
    p.textContent = named.join("; ") + ", the name the lessons use (see the glossary).";
    results.insertBefore(p, list);
  };
  const watch = () => {
    const results = document.getElementById("search-results");
    if (!results) return;
    new MutationObserver(() => {
      note(results);
      results.querySelectorAll("li").forEach(addExcerpt);
    })
      .observe(results, { childList: true, subtree: true });
    script.addEventListener("load", () => results.querySelectorAll("li").forEach(addExcerpt));
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
