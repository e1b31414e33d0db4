/** The part of package-lock.json (lockfileVersion 3) this module reads and writes. */
export type Lock = {
  packages: Record<
    string,
    { version?: string; dev?: boolean; optionalDependencies?: Record<string, string> }
  >;
};

type Platform = { os: string; cpu: string; libc?: string };

/** Platform of a platform-build package by its name's ending, as Biome and Foundry name them. */
export function platformOf(name: string): Platform | undefined {
  const match = /-(android|darwin|linux|win32)-(arm64|x64|amd64)(-musl)?$/.exec(name);
  if (!match) return undefined;
  const [, os, cpu, musl] = match;
  const platform: Platform = { os: os!, cpu: cpu === "amd64" ? "x64" : cpu! };
  if (os === "linux") platform.libc = musl ? "musl" : "glibc";
  return platform;
}

/** Optional platform packages that a package in the lock depends on but the lock has no entry for. */
export function missingPlatformPackages(lock: Lock): string[] {
  const missing = new Set<string>();
  for (const entry of Object.values(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      if (!lock.packages[`node_modules/${dep}`] && platformOf(dep)) missing.add(dep);
    }
  }
  return [...missing].sort();
}

/** The lock with an entry (version, os, cpu, libc) for every missing optional platform package. */
export function withPlatformPackages(lock: Lock): Lock {
  const packages = { ...lock.packages };
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const platform = platformOf(dep);
      if (packages[`node_modules/${dep}`] || !platform) continue;
      const { os, cpu, libc } = platform;
      packages[`node_modules/${dep}`] = {
        version,
        ...(lock.packages[key]?.dev ? { dev: true } : {}),
        optional: true,
        os: [os],
        cpu: [cpu],
        ...(libc ? { libc: [libc] } : {}),
      } as Lock["packages"][string];
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
  );
  return { ...lock, packages: sorted };
}
