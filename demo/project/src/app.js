// A tiny program, so the archive holds a bit of everything.
function greet(name) {
  return `Hello, ${name}!`;
}

console.log(greet(process.argv[2] ?? 'world'));
