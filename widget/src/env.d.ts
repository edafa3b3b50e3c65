declare module "*.css" {
  const css: string;
  export default css;
}

/** The widget bundle's content hash, baked into the loader so browsers can cache it for long. */
declare const __WIDGET_VERSION__: string;
