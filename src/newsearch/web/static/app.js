// The newsearch search page: plain JavaScript over the app's JSON API (no build step).
// Text from the API is inserted with textContent; only `title_html` and `snippets`, which the
// API escapes itself and marks with <mark>, are inserted as HTML (and even those are reduced to
// text and <mark> elements first). URLs are relative, so the app works mounted under a prefix.
"use strict";

const BASE = new URL(".", document.baseURI);
const PAGE_SIZE = 10;
const EXAMPLES = ["كوريا الشمالية", "أسعار النفط", "الانتخابات الرئاسية", "كأس العالم", "ترمب"];
const SOURCES = {
  BBC: "بي بي سي", CNN: "سي إن إن", alarabia: "العربية", france24: "فرانس 24",
  skynews: "سكاي نيوز عربية", albawaba: "البوابة",
};
const CATEGORIES = {
  internationalNews: "أخبار دولية", middleEast: "الشرق الأوسط", sport: "رياضة",
  economy: "اقتصاد", technology: "تكنولوجيا", culture: "ثقافة", politics: "سياسة",
};
const SORTS = ["relevance", "newest", "oldest", "recency"];
const dateFormat = new Intl.DateTimeFormat("ar", { year: "numeric", month: "long", day: "numeric" });
const numberFormat = new Intl.NumberFormat("ar");

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const sourceName = (s) => SOURCES[s] || s || "";
const categoryName = (c) => CATEGORIES[c] || c || "";
const formatDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : "");

/** Insert API HTML keeping only text and <mark> elements. */
function setMarked(node, html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html || "";
  const copy = (from, into) => {
    for (const child of from.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) into.append(child.textContent);
      else if (child.nodeName === "MARK") copy(child, into.appendChild(document.createElement("mark")));
      else copy(child, into);
    }
  };
  const out = document.createDocumentFragment();
  copy(tpl.content, out);
  node.replaceChildren(out);
  return node;
}

/** http(s) URLs only: a stored `javascript:` URL must not become a link. */
function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

async function api(path, params = {}) {
  const url = new URL(path, BASE);
  for (const [k, v] of Object.entries(params)) {
    for (const value of [].concat(v)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.append(k, value);
    }
  }
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.message) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

// --- state lives in the URL: ?q=&source=&category=&from=&to=&sort=&page=  or ?article=ID
function readState() {
  const p = new URLSearchParams(location.search);
  const sort = p.get("sort");
  return {
    q: p.get("q") || "",
    source: p.getAll("source"),
    category: p.getAll("category"),
    from: p.get("from") || "",
    to: p.get("to") || "",
    sort: SORTS.includes(sort) ? sort : "relevance",
    page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    article: p.get("article"),
  };
}

function stateUrl(state) {
  const p = new URLSearchParams();
  if (state.article) p.set("article", state.article);
  if (state.q) p.set("q", state.q);
  for (const s of state.source) p.append("source", s);
  for (const c of state.category) p.append("category", c);
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  if (state.sort !== "relevance") p.set("sort", state.sort);
  if (state.page > 1) p.set("page", String(state.page));
  const qs = p.toString();
  return qs ? `?${qs}` : location.pathname;
}

function go(change) {
  const next = { ...readState(), page: 1, article: null, ...change };
  history.pushState(null, "", stateUrl(next));
  render();
}

function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
}

// --- search view
async function renderSearch(state) {
  $("#article-view").hidden = true;
  $("#search-view").hidden = false;
  $("#q").value = state.q;
  $("#sort").value = state.sort;
  $("#date-from").value = state.from;
  $("#date-to").value = state.to;
  const filtered = state.source.length || state.category.length || state.from || state.to;
  if (!state.q && !filtered) {
    $("#intro").hidden = false;
    $("#results-view").hidden = true;
    document.title = "بحث الأخبار · newsearch";
    return;
  }
  $("#intro").hidden = true;
  $("#results-view").hidden = false;
  document.title = `${state.q || "تصفح"} · بحث الأخبار`;
  document.body.setAttribute("aria-busy", "true");
  let results;
  try {
    results = await api("search", {
      q: state.q, source: state.source, category: state.category, from: state.from,
      to: state.to, sort: state.sort, page: state.page, size: PAGE_SIZE, facets: "true",
    });
  } catch (e) {
    showError(`تعذّر البحث: ${e.message}`);
    return;
  } finally {
    document.body.removeAttribute("aria-busy");
  }
  if (readState().q !== state.q || readState().article) return; // a newer view is on its way
  renderSummary(results);
  renderFilters(state, results);
  renderHits(results);
  renderPager(state, results);
}

function renderSummary(results) {
  const total = numberFormat.format(results.total);
  const ms = numberFormat.format(Math.round(results.took_ms));
  $("#summary").textContent = results.total
    ? `${total} نتيجة · ${ms} ملّي ثانية`
    : "لا توجد نتائج";
  const box = $("#suggestion");
  box.hidden = !results.suggestion;
  if (results.suggestion) {
    const link = $("#suggestion-link");
    link.textContent = results.suggestion;
    link.href = stateUrl({ ...readState(), q: results.suggestion, page: 1 });
  }
  $("#problems").replaceChildren(
    ...(results.query.problems || []).map((p) => el("li", { text: `ملاحظة: ${p.message}` })),
  );
}

function renderFilters(state, results) {
  for (const [name, key, label] of [
    ["source", "source", sourceName],
    ["category", "category", categoryName],
  ]) {
    const counts = { ...(results.facets[name] || {}) };
    for (const chosen of state[key]) if (!(chosen in counts)) counts[chosen] = 0;
    const items = Object.entries(counts).map(([value, n]) => {
      const on = state[key].includes(value);
      const next = on ? state[key].filter((v) => v !== value) : [...state[key], value];
      return el("li", {},
        el("button", {
          type: "button", class: on ? "on" : "", "data-value": value, "aria-pressed": String(on),
          onclick: () => go({ [key]: next }),
        }, el("span", { class: "label", text: label(value) }),
        el("span", { class: "count", text: numberFormat.format(n) })));
    });
    $(`#facet-${name} ul`).replaceChildren(
      ...(items.length ? items : [el("li", { class: "note", text: "—" })]),
    );
  }
  const chips = [];
  for (const s of state.source) {
    chips.push(chip(`المصدر: ${sourceName(s)}`, { source: state.source.filter((v) => v !== s) }));
  }
  for (const c of state.category) {
    chips.push(chip(`التصنيف: ${categoryName(c)}`, { category: state.category.filter((v) => v !== c) }));
  }
  if (state.from) chips.push(chip(`من ${state.from}`, { from: "" }));
  if (state.to) chips.push(chip(`إلى ${state.to}`, { to: "" }));
  if (chips.length > 1) {
    chips.push(el("button", {
      type: "button", class: "chip", text: "مسح الكل",
      onclick: () => go({ source: [], category: [], from: "", to: "" }),
    }));
  }
  $("#active-filters").replaceChildren(...chips);
}

function chip(text, change) {
  return el("button", { type: "button", class: "chip", title: "إزالة", onclick: () => go(change) },
    el("span", { text }), el("b", { text: "×" }));
}

function articleLink(id, child) {
  const href = stateUrl({ ...readState(), article: id });
  return el("a", {
    href, class: "title", "data-id": id,
    onclick: (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      history.pushState(null, "", href);
      render();
    },
  }, child);
}

function metaLine(item) {
  return el("p", { class: "meta" },
    item.source ? el("span", { class: "badge", text: sourceName(item.source) }) : null,
    item.category ? el("span", { class: "badge cat", text: categoryName(item.category) }) : null,
    item.published ? el("time", { datetime: item.published, text: formatDate(item.published) }) : null);
}

function alsoLine(copies) {
  if (!copies || !copies.length) return null;
  const names = [...new Set(copies.map((c) => sourceName(c.source)).filter(Boolean))];
  return names.length ? el("p", { class: "also", text: `نُشر أيضاً في: ${names.join("، ")}` }) : null;
}

function renderHits(results) {
  const list = $("#results");
  if (!results.hits.length) {
    list.replaceChildren(el("li", { class: "empty", text: "لم نجد أخباراً تطابق بحثك. جرّب كلمات أخرى أو أزل بعض عوامل التصفية." }));
    return;
  }
  list.replaceChildren(...results.hits.map((hit) => el("li", { class: "hit" },
    articleLink(hit.id, setMarked(el("span"), hit.title_html || hit.title)),
    metaLine(hit),
    ...(hit.snippets || []).slice(0, 1).map((s) => setMarked(el("p", { class: "snippet" }), s)),
    alsoLine(hit.also_published_by))));
}

function renderPager(state, results) {
  const pages = results.pages || 1;
  const nav = $("#pager");
  if (pages <= 1) {
    nav.replaceChildren();
    return;
  }
  const button = (label, page, current = false) => el("button", {
    type: "button", ...(current ? { "aria-current": "page" } : {}),
    ...(page < 1 || page > pages ? { disabled: "" } : {}),
    onclick: () => { go({ ...state, page, article: null }); window.scrollTo(0, 0); },
  }, label);
  const first = Math.max(1, Math.min(state.page - 3, pages - 6));
  const numbers = [];
  for (let p = first; p <= Math.min(pages, first + 6); p++) {
    numbers.push(button(numberFormat.format(p), p, p === state.page));
  }
  nav.replaceChildren(button("السابق", state.page - 1), ...numbers, button("التالي", state.page + 1));
}

// --- article view
async function renderArticle(state) {
  $("#search-view").hidden = true;
  $("#article-view").hidden = false;
  $("#q").value = state.q;
  const view = $("#article");
  let article;
  try {
    article = await api(`articles/${encodeURIComponent(state.article)}`);
  } catch (e) {
    showError(e.status === 404 ? "هذا الخبر غير موجود." : `تعذّر فتح الخبر: ${e.message}`);
    $("#article-view").hidden = true;
    return;
  }
  document.title = `${article.title} · بحث الأخبار`;
  $(".article-title", view).textContent = article.title;
  $(".article-meta", view).replaceWith(Object.assign(metaLine(article), { className: "meta article-meta" }));
  $(".article-body", view).replaceChildren(
    ...article.body.split(/\n+/).filter((p) => p.trim()).map((p) => el("p", { text: p })),
  );
  const original = $(".original", view);
  const url = safeUrl(article.url);
  original.hidden = !url;
  if (url) original.href = url;
  window.scrollTo(0, 0);
  await renderRelated(state.article);
}

async function renderRelated(id) {
  const panel = $("#related");
  const list = $("ol", panel);
  const note = $(".note", panel);
  list.replaceChildren();
  note.hidden = true;
  let copies = null;
  try {
    const related = await api(`articles/${encodeURIComponent(id)}/related`, { k: 6 });
    copies = related.also_published_by || null;
    list.replaceChildren(...related.hits.map((hit) => el("li", { class: "hit-small" },
      articleLink(hit.id, document.createTextNode(hit.title)),
      metaLine(hit),
      alsoLine(hit.also_published_by))));
    if (!related.hits.length) {
      note.textContent = "لا أخبار ذات صلة.";
      note.hidden = false;
    }
  } catch (e) {
    note.textContent = e.status === 501 ? "الأخبار ذات الصلة غير متاحة في هذه النسخة." : `تعذّر: ${e.message}`;
    note.hidden = false;
  }
  if (copies === null) {
    try {
      copies = (await api(`articles/${encodeURIComponent(id)}/duplicates`)).duplicates;
    } catch {
      copies = [];
    }
  }
  renderCopies(copies || []);
}

function renderCopies(copies) {
  const panel = $("#copies");
  panel.hidden = !copies.length;
  $("ul", panel).replaceChildren(...copies.map((copy) => el("li", {},
    el("span", { class: "badge", text: sourceName(copy.source) }), " ",
    copy.id ? articleLink(copy.id, document.createTextNode(copy.title || copy.id)) : el("span", { text: copy.title || "" }),
    copy.published ? el("p", { class: "meta", text: formatDate(copy.published) }) : null)));
}

// --- wiring
function render() {
  showError("");
  const state = readState();
  return state.article ? renderArticle(state) : renderSearch(state);
}

async function loadStats() {
  try {
    const health = await api("health");
    const n = numberFormat.format(health.articles);
    $("#stats").textContent = `يبحث في ${n} خبراً`;
  } catch {
    $("#stats").textContent = "";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const state = readState();
    go({ q: $("#q").value.trim(), source: state.source, category: state.category,
      from: state.from, to: state.to, sort: state.sort });
  });
  $("#sort").addEventListener("change", (e) => go({ ...readState(), sort: e.target.value, page: 1 }));
  $("#date-form").addEventListener("submit", (e) => {
    e.preventDefault();
    go({ ...readState(), from: $("#date-from").value, to: $("#date-to").value, page: 1 });
  });
  $("#back").addEventListener("click", (e) => {
    e.preventDefault();
    const state = readState();
    go({ ...state, article: null, page: state.page });
  });
  $("#home").addEventListener("click", (e) => {
    e.preventDefault();
    history.pushState(null, "", location.pathname);
    render();
  });
  $("#examples").replaceChildren(...EXAMPLES.map((q) => el("button", {
    type: "button", class: "chip", text: q, onclick: () => go({ q, source: [], category: [] }),
  })));
  window.addEventListener("popstate", render);
  loadStats();
  render();
});
