/**
 * winston's Transport base class, typed as a constructor. winston's typings
 * call it `transport` (a namespace) while at runtime it is `winston.Transport`.
 */
import winston from 'winston';
import type TransportStream from 'winston-transport';

export const TransportBase = (winston as unknown as { Transport: typeof TransportStream }).Transport;
