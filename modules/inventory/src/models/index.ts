import { LedgerEntryModel } from './ledger-entry.model';
import { ReservationModel } from './reservation.model';
import { StockModel } from './stock.model';

export { LedgerEntryModel, ReservationModel, StockModel };
export type { ReservationStatus } from './reservation.model';

/** For `db.addModels(inventoryModels)`. */
export const inventoryModels = [StockModel, ReservationModel, LedgerEntryModel];
