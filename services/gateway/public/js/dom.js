// A tiny element builder: text always goes through textContent, so data never becomes markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(root, ...children) {
  root.replaceChildren(...children.flat(Infinity).filter(Boolean));
}

export function when(value) {
  return value ? new Date(value).toLocaleString() : '—';
}

export function notice(kind, text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function table(columns, rows, onRow) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.label)))),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, 'Nothing here yet.'))
        : rows.map((row) =>
            h('tr', { class: onRow ? 'clickable' : '', onclick: onRow ? () => onRow(row) : undefined }, columns.map((c) => h('td', {}, c.render(row)))),
          ),
    ),
  );
}

/** Tenant names by id, for tables that only carry the id (falls back to the id). */
export async function tenantNames(get, path) {
  try {
    const { tenants } = await get(path);
    const names = new Map(tenants.map((t) => [t.id, t.name]));
    return (id) => names.get(id) || id || '—';
  } catch {
    return (id) => id || '—';
  }
}
