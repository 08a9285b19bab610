export { ResticEngine } from './engine';
export { passwordKey, secretKey } from './credentials';
export { ResticError, type ResticErrorKind } from './errors';
export { ResticNotFoundError, ResticLocator } from './binary';
