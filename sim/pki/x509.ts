// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs a Reflect metadata
// polyfill loaded first. Everything in the sim imports x509 from here so that the order holds.
import 'reflect-metadata';

export * from '@peculiar/x509';
