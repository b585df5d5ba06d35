// Vite's `?raw` imports (a file's text), used to read the README in workerd where there is no fs.
declare module '*?raw' {
  const text: string;
  export default text;
}
