// A queue pass lives in sessionStorage: it survives a reload of the seat map but not the tab, and it
// belongs to this performance only.
export interface StoredPass {
  pass: string;
  expiresAt: string;
}

const key = (performanceId: string) => `tmomi.pass.${performanceId}`;

export function savePass(performanceId: string, pass: StoredPass): void {
  sessionStorage.setItem(key(performanceId), JSON.stringify(pass));
}

export function loadPass(performanceId: string, now = Date.now()): StoredPass | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(key(performanceId)) ?? 'null') as StoredPass | null;
    return stored && Date.parse(stored.expiresAt) > now ? stored : null;
  } catch {
    return null;
  }
}

export function dropPass(performanceId: string): void {
  sessionStorage.removeItem(key(performanceId));
}
