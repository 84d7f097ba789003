// proxy-from-env ships no types; the one function the HEAT client uses.
declare module 'proxy-from-env' {
  /** The proxy URL the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, ...), or ''. */
  export function getProxyForUrl(url: string | URL): string;
}
