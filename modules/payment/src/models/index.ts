import { InboxEntryModel } from './inbox-entry.model';
import { PaymentModel } from './payment.model';
import { RefundModel } from './refund.model';

export { InboxEntryModel, PaymentModel, RefundModel };

/** For `db.addModels(paymentModels)`. */
export const paymentModels = [PaymentModel, RefundModel, InboxEntryModel];
