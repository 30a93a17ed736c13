// Preloaded (--import) into a profiled gateway: exit normally on SIGTERM/SIGINT so node writes its --cpu-prof file.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
