/**
 * connpool core: {@link dev.connpool.MultiPool} keeps one pool of connections per backend server.
 */
package dev.connpool;
