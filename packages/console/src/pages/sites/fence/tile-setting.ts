/**
 * The fence editor's optional map background: a tile URL template
 * (`https://…/{z}/{x}/{y}.png`) kept in this browser's localStorage. Off (empty) by
 * default: this deployment may not reach any tile server, and the plain grid needs none.
 */
import { useState } from 'react';

const KEY = 'kaoqin.sites.tileTemplate';

function read(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

/** A template is usable when it is an http(s) URL naming {z}, {x} and {y}. */
export function validTemplate(t: string): boolean {
  return /^https?:\/\//.test(t) && ['{z}', '{x}', '{y}'].every((k) => t.includes(k));
}

export function useTileTemplate(): [string, (t: string) => void] {
  const [template, setTemplate] = useState(read);
  const save = (t: string) => {
    const v = t.trim();
    try {
      if (v) localStorage.setItem(KEY, v);
      else localStorage.removeItem(KEY);
    } catch {
      // private mode: the choice lasts this page
    }
    setTemplate(v);
  };
  return [template, save];
}
