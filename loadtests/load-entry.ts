// `npm run load -- <profile> ...` runs a profile (cli.ts); `npm run load -- merge ...` joins the
// segments of a distributed run (merge-cli.ts).
if (process.argv[2] === 'merge') {
  process.argv.splice(2, 1);
  await import('./merge-cli.ts');
} else {
  await import('./cli.ts');
}
