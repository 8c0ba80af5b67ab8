import { LedgerEntryModel } from './ledger-entry.model';
import { StockModel } from './stock.model';

export { LedgerEntryModel, StockModel };

/** For `db.addModels(inventoryModels)`. */
export const inventoryModels = [StockModel, LedgerEntryModel];
